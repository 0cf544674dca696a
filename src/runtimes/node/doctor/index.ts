/** `doctor` for an existing Express or Fastify service: the project read, then its findings. */
import { credentialCaptureFindings, DEPLOY_FILES, readTextFiles } from '../../../pipeline/credential-capture.js';
import type { Finding } from '../../../pipeline/findings.js';
import { appConstruction, type NodeProject } from '../existing/project.js';
import { nodeFindings } from './rules.js';
import { readNodeDoctorView } from './view.js';

function describeLayout(a: NodeProject): string {
  const ts = a.typescript ? `, TypeScript${a.typescript.outDir ? ` built into ${a.typescript.outDir}/` : ''}` : '';
  const pm = `${a.packageManager.name} (${a.packageManager.lockfile ?? 'no lockfile'})`;
  return `${a.moduleType === 'module' ? 'ES modules' : 'CommonJS'}${ts}, ${pm}`;
}

export interface NodeDiagnosis {
  framework: string | undefined;
  start: string | undefined;
  findings: Finding[];
}

/** The findings on a service; add-tracing passes the analysis it made already (one reading of the project). */
export function diagnoseNodeService(root: string, analysis?: NodeProject): NodeDiagnosis {
  const project = readNodeDoctorView(root, analysis);
  const deps = { ...project.packageJson.devDependencies, ...project.packageJson.dependencies };
  const framework = ['express', 'fastify'].find((f) => f in deps);
  const scriptName = project.analysis.start.scriptName ?? 'start';
  const start = project.packageJson.scripts?.[scriptName];
  const app = appConstruction(project.analysis);
  const detected: Finding = {
    code: 'node.detected',
    severity: 'info',
    message: [
      framework ? `${framework} ${deps[framework]}` : 'a Node project (neither Express nor Fastify)',
      describeLayout(project.analysis),
      `${scriptName} script: ${start ?? '(none)'}`,
      ...(project.entry ? [`entry ${project.entry.path}`] : []),
      ...(app ? [`app built at ${app.file}:${app.line}`] : []),
    ].join('; '),
  };
  const credentials = credentialCaptureFindings([...project.sources, ...readTextFiles(root, DEPLOY_FILES)], 'node');
  return { framework, start, findings: [detected, ...nodeFindings(project), ...credentials] };
}

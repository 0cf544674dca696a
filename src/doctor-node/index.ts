/** `doctor` for an existing Express or Fastify service: the project read, then its findings. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Finding } from '../add-tracing/diagnose.js';
import { nodeFindings } from './findings.js';
import { isNodeProject, readNodeProject } from './project.js';

const PYTHON_MARKERS = ['pyproject.toml', 'requirements.txt', 'setup.py', 'setup.cfg', 'manage.py'];

/** A Node service and not a Python one (a Python project may carry a package.json for its front end). */
export function isNodeService(root: string): boolean {
  return isNodeProject(root) && !PYTHON_MARKERS.some((f) => existsSync(path.join(root, f)));
}

export interface NodeDiagnosis {
  framework: string | undefined;
  start: string | undefined;
  findings: Finding[];
}

export function diagnoseNodeService(root: string): NodeDiagnosis {
  const project = readNodeProject(root);
  const deps = { ...project.packageJson.devDependencies, ...project.packageJson.dependencies };
  const framework = ['express', 'fastify'].find((f) => f in deps);
  const start = project.packageJson.scripts?.start;
  const detected: Finding = {
    code: 'node.detected',
    severity: 'info',
    message: [
      framework ? `${framework} ${deps[framework]}` : 'a Node project (neither Express nor Fastify)',
      `start script: ${start ?? '(none)'}`,
      ...(project.entry ? [`entry ${project.entry.path}`] : []),
    ].join('; '),
  };
  return { framework, start, findings: [detected, ...nodeFindings(project)] };
}

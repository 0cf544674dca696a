/** The Node runtime: templates/node, npm with a lockfile, the matched OpenTelemetry JS set. */
import path from 'node:path';
import type { NodeFrameworkDescriptor, ServiceFramework } from '../frameworks/index.js';
import type { ServiceOptions } from '../options.js';
import { DEFAULT_NODE_SET, nodeDependencies, nodeOtelSet, nodeOverrides, nodePins } from './node-versions.js';
import type { Runtime } from './types.js';

function nodeFramework(framework: ServiceFramework): NodeFrameworkDescriptor {
  if (framework.runtime !== 'node') throw new Error(`${framework.name} is not a Node framework`);
  return framework;
}

/** Ours minus OTEL_* (the smoke test sets its own), the service's Node first on PATH. */
function nodeServiceEnv(binDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  if (binDir) env.PATH = `${binDir}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

export const node: Runtime = {
  name: 'node',
  displayName: 'Node.js',
  // The local stack and the collector configuration are the ones the Python services use, file for file
  // (compose.yaml.hbs picks the runtime's own health check and telemetry notes).
  baseLayers: [{ dir: 'common', only: ['compose.yaml.hbs', 'otel-collector-config.yaml', 'deploy/'] }, 'node'],
  templateContext(o: ServiceOptions, framework: ServiceFramework) {
    const f = nodeFramework(framework);
    const set = nodeOtelSet(DEFAULT_NODE_SET);
    const typesNode = set.thirdParty['@types/node'] ?? '';
    const overrides = nodeOverrides(set, f.packages);
    return {
      sampler: { ratio: String(o.samplerRatio) },
      otel: { line: DEFAULT_NODE_SET, sdk: set.stable, contrib: set.experimental },
      node: {
        minVersion: set.minNode,
        // The LTS major the Dockerfile and @types/node target.
        major: typesNode.split('.')[0] ?? '24',
        dependencies: nodeDependencies(set, f.packages),
        devDependencies: nodePins(set, [...f.devPackages, '@types/node', 'typescript']),
        // Absent, not empty, when no package needs one: the template writes the key only then.
        overrides: Object.keys(overrides).length > 0 ? overrides : undefined,
      },
    };
  },
  async preflight() {
    const { findServiceNode } = await import('./node-env.js');
    await findServiceNode(nodeOtelSet(DEFAULT_NODE_SET).minNode);
  },
  installTitle: 'Installing npm dependencies and building',
  installerName: 'npm',
  reusedNote: 'reused node_modules (package.json and package-lock.json unchanged); built again',
  async prepare(projectDir, _options, settings) {
    const { prepareNodeEnv } = await import('./node-env.js');
    return prepareNodeEnv(projectDir, nodeOtelSet(DEFAULT_NODE_SET).minNode, settings.onProgress);
  },
  serviceEnv: nodeServiceEnv,
  consoleSpanParser: async () => (await import('./node-console.js')).parseNodeConsoleSpans,
  nextSteps: ({ installed, framework, smokeCommand }) => [
    ...(installed ? [] : ['npm install && npm run build']),
    "npm test                            # the service's own tracing tests",
    `${smokeCommand}   # prove the wiring again`,
    `${framework.serverCommand({ host: '127.0.0.1', port: 8000 }).join(' ')}   # run it (Ctrl-C stops it)`,
  ],
};

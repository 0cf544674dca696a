/** The Node runtime: templates/node, npm with a lockfile, the matched OpenTelemetry JS set. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_NODE_SET, nodeOtelSet } from '../../catalog/node-sets.js';
import { READINESS_PATH } from '../../smoke/readiness.js';
import type { Runtime } from '../types.js';
import { nodeTemplates } from './templates.js';
import { loadOrderCheck } from './smoke-checks.js';
import { DEV_WATCH_BUILD, prepareNodeDev } from './dev.js';

/** Ours minus OTEL_* (the smoke test sets its own), the service's Node first on PATH. */
function nodeServiceEnv(binDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OTEL_') && k !== 'NODE_OPTIONS') env[k] = v;
  if (binDir) env.PATH = `${binDir}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

export const node: Runtime = {
  ...nodeTemplates,
  async preflight() {
    const { findServiceNode } = await import('./env.js');
    await findServiceNode(nodeOtelSet(DEFAULT_NODE_SET).minNode);
  },
  installTitle: 'Installing npm dependencies and building',
  installerName: 'npm',
  reusedNote: 'reused node_modules (package.json and package-lock.json unchanged); built again',
  async prepare(projectDir, _options, settings) {
    const { prepareNodeEnv } = await import('./env.js');
    return prepareNodeEnv(projectDir, nodeOtelSet(DEFAULT_NODE_SET).minNode, settings.onProgress);
  },
  serviceEnv: nodeServiceEnv,
  consoleSpanParser: async () => (await import('./console.js')).parseNodeConsoleSpans,
  extraChecks: (run) => [loadOrderCheck(run)],
  nextSteps: ({ installed, framework, smokeCommand }) => [
    ...(installed ? [] : ['npm install && npm run build']),
    "npm test                            # the service's own tracing tests",
    `${smokeCommand}   # prove the wiring again`,
    `${framework.serverCommand({ host: '127.0.0.1', port: 8000 }).join(' ')}   # run it (Ctrl-C stops it)`,
  ],
  // The job sets up Node itself: nothing more to install.
  ciSetup: { github: [], gitlab: [] },
  owns: (dir) => existsSync(path.join(dir, 'package.json')),
  devService: (projectDir, framework, existing, reload) => {
    const reloads = reload && !existing;
    return {
      prepare: {
        title: existing ? 'Building (when it is compiled)' : 'Installing npm dependencies (when changed) and building',
        run: (onProgress) => prepareNodeDev(projectDir, existing !== undefined, reloads, onProgress),
      },
      // An existing service reads its port from PORT, as the smoke test gives it.
      command: (port) =>
        existing
          ? ['env', `PORT=${port}`, ...existing.serverCommand]
          : framework.serverCommand({ host: '127.0.0.1', port, reload: reloads }),
      reloads,
      ...(reloads ? { companion: DEV_WATCH_BUILD } : {}),
      readyPath: existing ? READINESS_PATH : framework.healthPath,
      anyStatus: existing !== undefined,
    };
  },
  existing: async () => (await import('./existing/index.js')).nodeExisting(node),
};

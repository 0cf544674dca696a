/** What the Node runtime does with services it did not generate: add-tracing, doctor, and their smoke test. */
import type { ExistingServices, Runtime } from '../../types.js';
import { diagnoseNodeService } from '../doctor/index.js';
import { nodeSmoke, planNodeTracing } from './command.js';

/** The runtime hands itself in: it installs and smoke-tests what these steps wire. */
export function nodeExisting(runtime: Runtime): ExistingServices {
  return {
    planTracing: (root, flagOptions, flags, ui) => planNodeTracing(runtime, root, flagOptions, flags, ui),
    async diagnose(root) {
      const { framework, start, findings } = diagnoseNodeService(root);
      return { findings, project: { root, runtime: 'node', framework, start } };
    },
    smoke: (root, existing, options, ui, contract) => nodeSmoke(runtime, root, existing, options, ui, contract),
  };
}

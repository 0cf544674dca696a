/** What the Node runtime does with services it did not generate: add-tracing, doctor, and their smoke test. */
import type { ExistingServices } from '../../types.js';
import { diagnoseNodeService } from '../doctor/index.js';
import { nodeSmoke, planNodeTracing } from './command.js';

export const nodeExisting: ExistingServices = {
  planTracing: planNodeTracing,
  async diagnose(root) {
    const { framework, start, findings } = diagnoseNodeService(root);
    return { findings, project: { root, runtime: 'node', framework, start } };
  },
  smoke: nodeSmoke,
};

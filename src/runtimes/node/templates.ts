/** The Node runtime's part in rendering a project: templates/node (and the shared collector files), its context. */
import type { NodeFrameworkDescriptor, ServiceFramework } from '../../catalog/frameworks/index.js';
import { DEFAULT_NODE_SET, nodeDependencies, nodeOtelSet, nodeOverrides, nodePins } from '../../catalog/node-sets.js';
import type { TemplateRuntime } from '../../generate/plan.js';
import type { ServiceOptions } from '../../options/schema.js';

function nodeFramework(framework: ServiceFramework): NodeFrameworkDescriptor {
  if (framework.runtime !== 'node') throw new Error(`${framework.name} is not a Node framework`);
  return framework;
}

export const nodeTemplates = {
  name: 'node' as const,
  displayName: 'Node.js',
  // templates/common: the local stack and the collector configuration every runtime ships, file for file
  // (compose.yaml.hbs picks the runtime's own health check and telemetry notes).
  baseLayers: ['common', 'node'],
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
} satisfies TemplateRuntime;

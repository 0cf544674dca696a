/** The Python runtime's part in rendering a project: templates/common and templates/python below the framework's folder. */
import { getFramework, type ServiceFramework } from '../../catalog/frameworks/index.js';
import {
  corePackages,
  fastapiTracesItself,
  matchedSetFor,
  otelLine,
  type OtelLine,
  type PythonPackage,
} from '../../catalog/python-sets.js';
import type { TemplateRuntime } from '../../generate/plan.js';
import type { ServiceOptions } from '../../options/schema.js';
import { readmeFacts } from './readme-facts.js';

export function pythonFloat(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

/** The sampler as a Python expression over opentelemetry.sdk.trace.sampling names. */
export function samplerExpression(o: ServiceOptions): { expression: string; imports: string[] } {
  const ratio = pythonFloat(o.samplerRatio);
  switch (o.sampler) {
    case 'parentbased_traceidratio':
      return { expression: `ParentBased(TraceIdRatioBased(${ratio}))`, imports: ['ParentBased', 'TraceIdRatioBased'] };
    case 'traceidratio':
      return { expression: `TraceIdRatioBased(${ratio})`, imports: ['TraceIdRatioBased'] };
    case 'parentbased_always_on':
      return { expression: 'ParentBased(ALWAYS_ON)', imports: ['ALWAYS_ON', 'ParentBased'] };
    case 'always_on':
      return { expression: 'ALWAYS_ON', imports: ['ALWAYS_ON'] };
    case 'always_off':
      return { expression: 'ALWAYS_OFF', imports: ['ALWAYS_OFF'] };
  }
}

/** The OpenTelemetry set the service installs: its line, or an earlier patch its instrumentation needs. */
export function frameworkLine(o: ServiceOptions): OtelLine {
  const line = otelLine(o.otelVersion);
  return matchedSetFor(
    line,
    getFramework(o.framework)
      .packages(line)
      .map((p) => p.name),
  );
}

export function runtimePackages(o: ServiceOptions): PythonPackage[] {
  const line = frameworkLine(o);
  return [...corePackages(line, o.exporter), ...getFramework(o.framework).packages(line)];
}

export const pythonTemplates = {
  name: 'python' as const,
  displayName: 'Python',
  baseLayers: ['common', 'python'],
  templateContext(o: ServiceOptions, _framework: ServiceFramework) {
    const framework = getFramework(o.framework);
    const line = frameworkLine(o);
    const sampler = samplerExpression(o);
    return {
      framework: {
        copyPaths: framework.copyPaths ?? [],
        pythonPackages: framework.pythonPackages ?? [],
        writableDirs: framework.writableDirs ?? [],
        // FastAPI >= 0.142 is traced by its own instrumentation (FastAPI(telemetry=...)), not FastAPIInstrumentor.
        nativeTelemetry: o.framework === 'fastapi' && fastapiTracesItself(line),
        dockerNotes: framework.dockerNotes ?? {
          flushOnStop: 'runs the lifespan shutdown',
          setupFiles: 'app/telemetry.py and app/main.py',
        },
      },
      sampler: {
        ratio: pythonFloat(o.samplerRatio),
        expression: sampler.expression,
        imports: sampler.imports.join(', '),
      },
      otel: { line: o.otelVersion, sdk: line.sdk, contrib: line.contrib },
      packages: runtimePackages(o),
      testPackages: framework.testPackages(line),
      readme: readmeFacts(o, line.contrib),
    };
  },
} satisfies TemplateRuntime;

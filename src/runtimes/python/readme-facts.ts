/**
 * What a generated README may state that depends on the options: each README sentence about signals,
 * exclusions, workers or versions is written only when the matching fact here holds for the project.
 */
import { getFramework } from '../../catalog/frameworks/index.js';
import { exactPathPattern } from '../../options/exclusions.js';
import { RATIO_SAMPLERS, type ServiceOptions } from '../../options/schema.js';
import { satisfies } from './pep440.js';
import { defaultSignalExporters } from '../../options/signal-defaults.js';

/** "a", "a and b", "a, b and c". */
function sentenceList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

/** `contrib`: the instrumentation release the project installs. */
/** What the head sampler means for someone checking the sample route's spans, or '' when it keeps every trace. */
function samplingNote(o: ServiceOptions): string {
  if (o.sampler === 'always_off') {
    return 'The sampler is `always_off`: no trace is recorded until `OTEL_TRACES_SAMPLER` names another one.';
  }
  if (RATIO_SAMPLERS.includes(o.sampler) && o.samplerRatio < 1) {
    const percent = Number((o.samplerRatio * 100).toPrecision(3));
    return `The sampler keeps about ${percent}% of new traces (\`${o.sampler}\`): send several requests to find one.`;
  }
  return '';
}

export function readmeFacts(o: ServiceOptions, contrib: string) {
  const framework = getFramework(o.framework);
  const exporters = defaultSignalExporters(o);
  const otlp = o.exporter !== 'console';
  const metrics = exporters.metrics !== 'none';
  const logs = exporters.logs !== 'none';
  // The smoke test's multi-worker run needs OTLP: console output from several processes interleaves.
  const multiWorker = otlp && framework.multiWorker ? framework.multiWorker : false;
  // The instrumentations search each pattern in the full request URL.
  const healthUrl = `http://localhost:8000${framework.healthPath}`;
  const smokeChecks = [
    logs ? 'the log record of the sample request (with its trace and span ids)' : '',
    metrics ? 'one `http.server.request.duration` count per request' : '',
    metrics && multiWorker ? "each worker's metrics" : '',
  ].filter(Boolean);
  return {
    traces: exporters.traces !== 'none',
    samplingNote: samplingNote(o),
    metrics,
    logs,
    multiWorker,
    gunicorn: framework.serverCommand({ host: '0.0.0.0', port: 8000 })[0] === 'gunicorn',
    healthExcluded: o.excludedUrls.some((u) => new RegExp(exactPathPattern(u)).test(healthUrl)),
    smokeSignals: otlp ? sentenceList(smokeChecks) : '',
    excludedUrlsEnv: framework.existing?.excludedUrlsEnv ?? '',
    /** opentelemetry-instrumentation-fastapi wraps each background task in a span of its own from 0.63b1 on. */
    backgroundTaskSpans: satisfies(contrib, '>=0.63b1'),
  };
}

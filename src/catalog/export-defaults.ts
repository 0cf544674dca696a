/**
 * How a generated service exports by default, decided per runtime from measurements (bench/RESULTS.md):
 * the one place these defaults are chosen. A flag, a config file or the answers file still wins.
 */
import { serviceFramework } from './frameworks/index.js';
import type { RuntimeName } from './frameworks/types.js';

export interface ExportDefaults {
  /** Spans per export (OTEL_BSP_MAX_EXPORT_BATCH_SIZE and OTEL_BLRP_MAX_EXPORT_BATCH_SIZE). */
  maxExportBatchSize: number;
}

export const EXPORT_DEFAULTS: Record<RuntimeName, ExportDefaults> = {
  // 64, not the SDK's 512: serialising a batch holds the GIL, and 512 spans at once set the service's
  // p99 (bench/RESULTS.md, part 3: p99 4.7x untraced with 512, 2.2x with 64, 1.7x with gc.freeze()).
  python: { maxExportBatchSize: 64 },
  // The SDK's 512: an export runs on the event loop between requests, and its fixed cost (a request to the
  // collector, the resource and scope encoded once per batch) is shared by 8x more spans (part 7).
  node: { maxExportBatchSize: 512 },
};

/** The export defaults of the runtime a framework runs on. */
export function exportDefaults(framework: string): ExportDefaults {
  return EXPORT_DEFAULTS[serviceFramework(framework).runtime];
}

const RUNTIME_LABELS: Record<RuntimeName, string> = { python: 'Python', node: 'Node' };

/** `64 for Python, 512 for Node` for --help; undefined for an option no runtime decides. */
export function exportDefaultLabel(option: string): string | undefined {
  if (!(option in EXPORT_DEFAULTS.python)) return undefined;
  const key = option as keyof ExportDefaults;
  return (Object.keys(EXPORT_DEFAULTS) as RuntimeName[])
    .map((runtime) => `${EXPORT_DEFAULTS[runtime][key]} for ${RUNTIME_LABELS[runtime]}`)
    .join(', ');
}

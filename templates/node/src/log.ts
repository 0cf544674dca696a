/**
 * Log records through the OpenTelemetry logs API: each carries the trace and span ids of the span that
 * is active where it is written, so a backend links the line to its request. Also printed to stdout.
 */
import { logs, SeverityNumber } from '@opentelemetry/api';

const logger = logs.getLogger('app');

export function logInfo(message: string, attributes: Record<string, string> = {}): void {
  console.log(message);
  logger.emit({ body: message, severityNumber: SeverityNumber.INFO, severityText: 'INFO', attributes });
}

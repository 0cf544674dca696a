/** How a smoke report is shown: pass/fail lines, diagnoses, the trace tree; and its JSON form. */
import pc from 'picocolors';
import { terminalText as t } from '../core/escape.js';
import { formatDuration } from '../core/ui.js';
import type { SmokeReport } from './run.js';
import { renderTraceTree } from './tree.js';

export function formatSmokeReport(report: SmokeReport, options: { color: boolean }): string {
  const c = options.color ? pc : pc.createColors(false);
  const lines: string[] = [];
  if (report.spans.length > 0) {
    lines.push(c.bold('Traces received'));
    lines.push(renderTraceTree(report.spans, { color: options.color }));
    lines.push('');
  }
  lines.push(c.bold(`Checks (${report.exporter})`));
  for (const check of report.checks) {
    // Details quote what the service sent and printed: escaped before they are colored.
    lines.push(`  ${check.ok ? c.green('✔') : c.red('✖')} ${t(check.name)}: ${t(check.detail)}`);
    if (!check.ok && check.diagnosis) lines.push(`      ${c.yellow('→')} ${t(check.diagnosis)}`);
  }
  for (const note of report.notes) lines.push(c.dim(`  note: ${t(note)}`));
  if (report.serviceOutput) {
    lines.push(
      '',
      c.bold('Service output (last lines)'),
      ...report.serviceOutput.split('\n').map((l) => c.dim(`  ${t(l)}`)),
    );
  }
  const passed = report.checks.filter((x) => x.ok).length;
  lines.push(
    '',
    report.ok
      ? c.green(`Smoke test passed: ${passed}/${report.checks.length} checks in ${formatDuration(report.durationMs)}`)
      : c.red(`Smoke test failed: ${report.checks.length - passed} of ${report.checks.length} checks failed`),
  );
  return lines.join('\n');
}

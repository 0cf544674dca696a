/** What doctor and add-tracing report about a service, in every runtime: one finding type and how it prints. */
import pc from 'picocolors';
import { terminalText } from '../core/escape.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  /** path:line */
  where?: string;
  /** What to do about it. */
  fix?: string;
}

export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}

export function formatFindings(findings: Finding[], options: { color: boolean }): string {
  const c = options.color ? pc : pc.createColors(false);
  const icon: Record<Severity, string> = { error: c.red('✖'), warning: c.yellow('!'), info: c.blue('i') };
  const lines: string[] = [];
  // Messages quote the project (paths, names, scripts): escaped before they are colored.
  const t = terminalText;
  for (const f of findings) {
    lines.push(`  ${icon[f.severity]} ${f.where ? `${c.dim(t(f.where))} ` : ''}${t(f.message)}`);
    if (f.fix && f.severity !== 'info') lines.push(`      ${c.yellow('→')} ${t(f.fix)}`);
  }
  const errors = findings.filter((f) => f.severity === 'error').length;
  const warnings = findings.filter((f) => f.severity === 'warning').length;
  lines.push(
    '',
    errors > 0
      ? c.red(
          `${errors} problem${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`,
        )
      : c.green(`no problems${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`),
  );
  return lines.join('\n');
}

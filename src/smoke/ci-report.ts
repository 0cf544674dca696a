/**
 * A smoke report in the forms CI systems read: JUnit XML (each check a test case, so GitHub and GitLab list
 * them as tests) and a Markdown job summary (GitHub's $GITHUB_STEP_SUMMARY).
 */
import type { SmokeReport } from './run.js';

const xml = (s: string) =>
  s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/g, '');

export function junitXml(report: SmokeReport, suite: string): string {
  const failures = report.checks.filter((c) => !c.ok).length;
  const time = (report.durationMs / 1000).toFixed(3);
  const cases = report.checks.map((c) => {
    const head = `    <testcase classname="${xml(suite)}" name="${xml(c.name)}" time="0"`;
    if (c.ok) return `${head}/>`;
    const body = c.diagnosis ? `${c.detail}\n→ ${c.diagnosis}` : c.detail;
    return `${head}>\n      <failure message="${xml(c.detail)}">${xml(body)}</failure>\n    </testcase>`;
  });
  const notes = report.notes.map((n) => `note: ${n}`).join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="create-traced-service smoke" tests="${report.checks.length}" failures="${failures}" time="${time}">`,
    `  <testsuite name="${xml(suite)}" tests="${report.checks.length}" failures="${failures}" errors="0" skipped="0" time="${time}">`,
    ...cases,
    ...(notes ? [`    <system-out>${xml(notes)}</system-out>`] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

// A table cell: no pipe or newline may end it early, and no HTML from a span name is rendered.
const cell = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

export function markdownSummary(report: SmokeReport, suite: string): string {
  const failed = report.checks.filter((c) => !c.ok).length;
  const verdict = report.ok
    ? `✔ Telemetry smoke test of ${suite}: ${report.checks.length} checks passed`
    : `✖ Telemetry smoke test of ${suite}: ${failed} of ${report.checks.length} checks failed`;
  const rows = report.checks.map((c) => {
    const text = c.ok || !c.diagnosis ? c.detail : `${c.detail}\n→ ${c.diagnosis}`;
    return `| ${c.ok ? '✔' : '✖'} | ${cell(c.name)} | ${cell(text)} |`;
  });
  return [
    `### ${cell(verdict)}`,
    '',
    '| | Check | Detail |',
    '|---|---|---|',
    ...rows,
    '',
    ...report.notes.map((n) => `_note: ${cell(n)}_`),
    '',
  ].join('\n');
}

import { describe, expect, it } from 'vitest';
import { junitXml, markdownSummary } from '../../src/smoke/ci-report.js';
import type { SmokeReport } from '../../src/smoke/run.js';

const report = {
  ok: false,
  checks: [
    { name: 'server span', ok: true, detail: 'SERVER "GET /items/{id}" with method GET' },
    {
      name: 'contract: GET /items/1',
      ok: false,
      detail: 'child span renamed "a" (INTERNAL) → "b" <&>',
      diagnosis: 'accept it with `smoke --update`',
    },
  ],
  notes: ['sampler overridden'],
  durationMs: 2500,
  exporter: 'otlp-grpc',
} as unknown as SmokeReport;

describe('the smoke report for CI', () => {
  it('is JUnit XML: one test case per check, failures with their detail and diagnosis, escaped', () => {
    const xml = junitXml(report, 'shop');
    expect(xml).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="create-traced-service smoke" tests="2" failures="1" time="2.500">/,
    );
    expect(xml).toContain('<testsuite name="shop" tests="2" failures="1" errors="0" skipped="0" time="2.500">');
    expect(xml).toContain('<testcase classname="shop" name="server span" time="0"/>');
    expect(xml).toContain(
      '<failure message="child span renamed &quot;a&quot; (INTERNAL) → &quot;b&quot; &lt;&amp;&gt;">child span renamed &quot;a&quot; (INTERNAL) → &quot;b&quot; &lt;&amp;&gt;\n→ accept it with `smoke --update`</failure>',
    );
    expect(xml).toContain('<system-out>note: sampler overridden</system-out>');
  });

  it('is a Markdown job summary: the verdict, then a table of the checks', () => {
    const md = markdownSummary(report, 'shop');
    expect(md).toContain('### ✖ Telemetry smoke test of shop: 1 of 2 checks failed');
    expect(md).toContain(
      '| ✖ | contract: GET /items/1 | child span renamed "a" (INTERNAL) → "b" &lt;&amp;&gt;<br>→ accept it with `smoke --update` |',
    );
    expect(md).toContain('| ✔ | server span |');
  });
});

/** The generated README states only what holds for the project's options and versions. */
import { describe, expect, it } from 'vitest';
import { parseServiceOptions } from '../../src/options/schema.js';
import { renderProject } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const renderOf = (o: Parameters<typeof renderProject>[0]) => renderProject(o, runtimeOf(o.framework));

function readme(input: Record<string, unknown>): string {
  const files = renderOf(parseServiceOptions({ serviceName: 'svc', ...input }));
  return files.find((f) => f.path === 'README.md')!.content;
}

describe('generated README', () => {
  it('mentions the worked examples only when they are generated', () => {
    const lean = readme({});
    for (const absent of ['app/examples.py', 'test_worked_examples', '## Worked examples', '/orders', '/reports'])
      expect(lean).not.toContain(absent);
    expect(lean).toContain('## Manual spans beyond the request');
    const full = readme({ examples: true });
    for (const present of ['| `app/examples.py` |', '## Worked examples', 'curl -s localhost:8000/reports/q3'])
      expect(full).toContain(present);
    expect(full).not.toContain('## Manual spans beyond the request');
  });

  it('states the background-task span only for an instrumentation release that has it', () => {
    expect(readme({ examples: true, otelVersion: '1.42' })).toMatch(
      /fastapi` 0\.63b1 also wraps every background task/,
    );
    expect(readme({ examples: true, otelVersion: '1.39' })).not.toContain('BackgroundTask <function>');
    // FastAPI's own instrumentation (FastAPI >= 0.142) opens no span per background task.
    expect(readme({ examples: true, otelVersion: '1.45' })).not.toContain('BackgroundTask <function>');
  });

  it('describes only the signals exported by default', () => {
    const tracesOnly = readme({ signals: 'traces' });
    expect(tracesOnly).toContain('traces `otlp`, metrics `none`, logs `none`');
    expect(tracesOnly).not.toMatch(/exports its metrics|exports its Python `logging` records|smoke test also checks/);
    expect(tracesOnly).not.toMatch(/traces, metrics and logs over OTLP/);
    const all = readme({});
    expect(all).toContain('the service exports its metrics');
    expect(all).toContain('The service exports its Python `logging` records');
    expect(readme({ signals: 'metrics' })).toContain('Traces are not exported by default');
    expect(all).not.toContain('Traces are not exported by default');
    // The console exporter prints spans only; metrics and logs stay off.
    const consoleReadme = readme({ exporter: 'console' });
    expect(consoleReadme).not.toMatch(/exports its metrics|smoke test also checks|exported in the background/);
    expect(consoleReadme).toContain('printed to the console as each one ends');
  });

  it('names gunicorn and the multi-worker smoke run only where they exist', () => {
    for (const framework of ['fastapi', 'starlette']) {
      const text = readme({ framework });
      expect(text).not.toMatch(/gunicorn/i);
      expect(text).not.toMatch(/starts the service again with \d+ workers|again with `--workers 2`/);
    }
    expect(readme({ framework: 'flask' })).toContain('It then starts the service again with 2 workers');
    expect(readme({ framework: 'django' })).toContain('It then starts the service again with 2 workers');
    // With the console exporter the smoke test skips that run.
    expect(readme({ framework: 'flask', exporter: 'console' })).not.toMatch(/starts the service again with/);
  });

  it('says the health check is excluded only when it is', () => {
    for (const framework of ['fastapi', 'starlette', 'flask', 'django']) {
      expect(readme({ framework })).toContain('produces no span at all: it is in the excluded URLs');
      const traced = readme({ framework, excludedUrls: '/metrics,/docs' });
      expect(traced).not.toContain('produces no span at all');
      expect(traced).toContain('is not in the excluded URLs');
    }
  });

  it('warns when the head sampler keeps only some traces, or none', () => {
    expect(readme({})).not.toMatch(/The sampler (keeps|is)/);
    expect(readme({ samplerRatio: 0.25 })).toContain('The sampler keeps about 25% of new traces');
    expect(readme({ sampler: 'always_off' })).toContain('The sampler is `always_off`');
  });

  it('claims no measurement for the project SDK version it was not made with', () => {
    for (const otelVersion of ['1.45', '1.39']) {
      expect(readme({ otelVersion })).not.toMatch(/Measured with this stack\s+\(OpenTelemetry \d/);
    }
  });
});

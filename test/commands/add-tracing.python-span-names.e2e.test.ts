/**
 * add-tracing's smoke test expects the server span the installed instrumentation really emits: a route
 * inside a mounted FastAPI app (named after the mount by FastAPIInstrumentor, by its full template by FastAPI's
 * own instrumentation) and Django's root route (named after its view's
 * name, with no http.route). The built CLI on a git-committed fixture, real install, real smoke test.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addTracing, committedCopy, jsonOf, removeScratch } from '../support/add-tracing.js';

afterAll(removeScratch);

type Check = { name: string; ok: boolean; detail: string };
const checksOf = (json: Record<string, any>): Check[] => json.pipeline?.smoke?.checks ?? [];

/** The smoke test's checks of a run, every one of which must have passed. */
function passedChecks(run: { stdout: string; stderr: string }): Check[] {
  const checks = checksOf(jsonOf(run));
  expect(
    checks.filter((c) => !c.ok),
    run.stderr,
  ).toEqual([]);
  return checks;
}

describe('add-tracing: the span names the instrumentation emits', () => {
  it('a route inside an app mounted at /api/v1 is requested by its full path and named after the mount', async () => {
    const dir = committedCopy('single-file', (d) => {
      const file = path.join(d, 'main.py');
      const text = readFileSync(file, 'utf8').replace(
        'if __name__ == "__main__":',
        [
          'v1 = FastAPI(title="greeter v1")',
          '',
          '',
          '@v1.get("/info")',
          'async def info():',
          '    return {"version": 1}',
          '',
          '',
          'app.mount("/api/v1", v1)',
          '',
          'if __name__ == "__main__":',
        ].join('\n'),
      );
      writeFileSync(file, text);
    });
    const run = await addTracing(dir, ['--yes', '--json', '--no-project-tests', '--route', '/api/v1/info']);
    const checks = passedChecks(run);
    expect(checks.find((c) => c.name === 'server span')!.detail).toMatch(/^SERVER "GET \/api\/v1" .*route \/api\/v1,/);
    expect(checks.find((c) => c.name === 'inbound traceparent continued')!.ok).toBe(true);
    expect(run.code, run.stderr).toBe(0);
  }, 300_000);

  it("FastAPI's own instrumentation (FastAPI 0.165) names a route inside a mounted app by its full template", async () => {
    const dir = committedCopy('fastapi-native', (d) => {
      const file = path.join(d, 'shop', 'api.py');
      const mounted = [
        '',
        '',
        'v2 = fastapi.applications.FastAPI(title="parcels v2")',
        '',
        '',
        '@v2.get("/labels/{label_id}")',
        'async def label(label_id: str) -> dict:',
        '    return {"label": label_id}',
        '',
        '',
        'api.mount("/v2", v2)',
        '',
      ].join('\n');
      writeFileSync(file, readFileSync(file, 'utf8') + mounted);
    });
    const run = await addTracing(dir, ['--yes', '--json', '--no-project-tests', '--route', '/v2/labels/L-1']);
    const checks = passedChecks(run);
    expect(checks.find((c) => c.name === 'server span')!.detail).toMatch(
      /^SERVER "GET \/v2\/labels\/\{label_id\}" .*route \/v2\/labels\/\{label_id\},/,
    );
    expect(run.code, run.stderr).toBe(0);
  }, 300_000);

  it("Django's root route path('', ..., name='index') is expected as GET index, without http.route", async () => {
    const dir = committedCopy('django-site', (d) => {
      const urls = path.join(d, 'bookshelf', 'urls.py');
      writeFileSync(
        urls,
        readFileSync(urls, 'utf8').replace(
          'urlpatterns = [',
          'urlpatterns = [\n    path("", views.index, name="index"),',
        ),
      );
      const views = path.join(d, 'shelf', 'views.py');
      writeFileSync(
        views,
        `${readFileSync(views, 'utf8')}\n\ndef index(request):\n    return JsonResponse({"shelf": "home"})\n`,
      );
    });
    const run = await addTracing(dir, ['--yes', '--json', '--no-project-tests', '--route', '/']);
    const checks = passedChecks(run);
    expect(checks.find((c) => c.name === 'server span')!.detail).toMatch(/^SERVER "GET index" .*route none,/);
    expect(run.code, run.stderr).toBe(0);
  }, 300_000);
});

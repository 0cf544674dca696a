/**
 * The project's own tests after add-tracing, end to end, with tracing on as the user runs them: a suite that
 * seeds `random` and asserts the numbers it gets, under a 100% coverage gate, passes before and after.
 */
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { addTracing, committedCopy, jsonOf, removeScratch } from '../../../support/add-tracing.js';

afterAll(removeScratch);
vi.setConfig({ testTimeout: 300_000 });

/** An invented Flask dice service: its tests replay a seeded sequence, and pytest-cov gates at 100%. */
function diceService(dir: string): void {
  const put = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), text);
  };
  put('requirements.txt', 'flask==3.0.3\n');
  put('requirements-dev.txt', '-r requirements.txt\npytest==8.3.5\npytest-cov==5.0.0\n');
  put(
    'pyproject.toml',
    '[tool.pytest.ini_options]\naddopts = "--cov=dice --cov-fail-under=100"\n\n[tool.coverage.run]\nbranch = true\n',
  );
  put('dice/__init__.py', '');
  put(
    'dice/main.py',
    [
      'import random',
      '',
      'from flask import Flask',
      '',
      'app = Flask(__name__)',
      '',
      '',
      '@app.get("/roll")',
      'def roll():',
      '    return {"roll": random.randint(1, 6)}',
      '',
    ].join('\n'),
  );
  put(
    'tests/test_roll.py',
    [
      'import random',
      '',
      'from dice.main import app',
      '',
      '',
      'def rolls(seed, n):',
      '    random.seed(seed)',
      '    client = app.test_client()',
      '    return [client.get("/roll").get_json()["roll"] for _ in range(n)]',
      '',
      '',
      'def expected(seed, n):',
      '    random.seed(seed)',
      '    return [random.randint(1, 6) for _ in range(n)]',
      '',
      '',
      'def test_first_roll():',
      '    assert rolls(1, 1) == expected(1, 1)',
      '',
      '',
      'def test_sequence():',
      '    assert rolls(7, 5) == expected(7, 5)',
      '',
      '',
      'def test_another_sequence():',
      '    assert rolls(42, 5) == expected(42, 5)',
      '',
      '',
      'def test_roll_range():',
      '    assert 1 <= rolls(3, 1)[0] <= 6',
      '',
    ].join('\n'),
  );
}

describe("the project's tests with tracing on", () => {
  it('a seeded-random suite under a 100% coverage gate passes before and after', async () => {
    const dir = committedCopy(null, diceService);
    const run = await addTracing(dir, ['--yes', '--json']);
    const result = jsonOf(run);
    expect(result.projectTests, run.stderr).toMatchObject({
      ran: true,
      before: { passed: 4, failed: 0 },
      after: { passed: 4, failed: 0 },
      regressions: [],
    });
    expect(result.projectTests.exitStatus, run.stderr).toBeUndefined();
    expect(run.code, run.stderr).toBe(0);
    // The gate holds because the telemetry module is left out of the measurement, in the project's config.
    const coverage = parseToml(readFileSync(path.join(dir, 'pyproject.toml'), 'utf8')) as {
      tool: { coverage: { run: { omit: string[]; branch: boolean } } };
    };
    expect(coverage.tool.coverage.run).toEqual({ branch: true, omit: ['dice/telemetry.py'] });
  });
});

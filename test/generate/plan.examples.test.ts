/** `--examples`: the worked examples are generated, mounted and tested only when chosen. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { PYTHON_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { EXAMPLE_FRAMEWORKS, OptionsError, parseServiceOptions } from '../../src/options/schema.js';
import { plan } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));

const EXAMPLE_FILES = ['app/examples.py', 'tests/test_worked_examples.py'];

const files = (input: Record<string, unknown>) =>
  new Map(planOf(parseServiceOptions({ serviceName: 'svc', ...input })).files.map((f) => [f.path, f.content]));

/** Python's own parser: the names app/main.py imports, and whether it compiles. */
function imports(source: string): string[] {
  const script =
    'import ast,json,sys\n' +
    'tree = ast.parse(sys.stdin.read())\n' +
    'print(json.dumps(sorted({n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} |' +
    ' {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names})))';
  return JSON.parse(execFileSync('python3', ['-c', script], { input: source }).toString()) as string[];
}

describe('--examples', () => {
  it('is off by default: no example files, and the app imports and mounts none of them', () => {
    const lean = files({});
    expect(parseServiceOptions({ serviceName: 'svc' }).examples).toBe(false);
    for (const f of EXAMPLE_FILES) expect(lean.has(f)).toBe(false);
    const main = lean.get('app/main.py')!;
    expect(imports(main)).not.toContain('app.examples');
    expect(imports(main)).not.toContain('concurrent.futures');
    expect(main).not.toMatch(/examples|worker_pool/);
  });

  it('when chosen, adds the examples and their tests and mounts the router in the app', () => {
    const full = files({ examples: true });
    for (const f of EXAMPLE_FILES) expect(full.get(f)).toMatch(/\S/);
    const main = full.get('app/main.py')!;
    expect(imports(main)).toContain('app.examples');
    expect(main).toContain('app.include_router(examples_router)');
    // /reports runs on the pool the lifespan hands over in its state.
    expect(main).toContain('yield {"worker_pool": worker_pool}');
    expect(full.get('app/examples.py')).toContain('request.state.worker_pool');
    // Everything else is the same project.
    const lean = files({});
    const differing = [...lean.keys()].filter((p) => lean.get(p) !== full.get(p));
    expect(differing.sort()).toEqual(['.create-traced-service.json', 'README.md', 'app/main.py']);
  });

  it('is refused for a framework without examples, naming the flag and the frameworks that have them', () => {
    expect(EXAMPLE_FRAMEWORKS).toEqual(['fastapi', 'express', 'fastify']);
    for (const framework of PYTHON_FRAMEWORKS.filter((f) => !EXAMPLE_FRAMEWORKS.includes(f.name))) {
      expect(() => parseServiceOptions({ serviceName: 'svc', framework: framework.name, examples: true })).toThrow(
        new OptionsError(
          `--examples: worked examples exist for fastapi, express, fastify only, not ${framework.name}; leave it out`,
        ),
      );
      expect(files({ framework: framework.name, examples: false }).has('app/examples.py')).toBe(false);
    }
  });

  it.each(['express', 'fastify'])('%s: off by default, the app serves no /examples; chosen, it does', (framework) => {
    const nodeFiles = ['src/examples.ts', 'src/worker-pool.ts', 'src/worker.ts', 'test/examples.test.ts'];
    const lean = files({ framework });
    for (const f of nodeFiles) expect(lean.has(f)).toBe(false);
    expect(lean.get('src/app.ts')).not.toMatch(/examples/);
    expect(lean.get('test/app.test.ts')).not.toMatch(/examples|closeWorkers/);
    expect(lean.get('README.md')).not.toMatch(/worker-pool|\/examples/);
    const full = files({ framework, examples: true });
    for (const f of nodeFiles) expect(full.get(f)).toMatch(/\S/);
    expect(full.get('src/app.ts')).toContain("import { runAll } from './examples.js';");
    expect(full.get('src/app.ts')).toContain("app.get('/examples'");
    expect(full.get('test/app.test.ts')).toContain('await closeWorkers();');
    const differing = [...lean.keys()].filter((p) => lean.get(p) !== full.get(p));
    expect(differing.sort()).toEqual(['.create-traced-service.json', 'README.md', 'src/app.ts', 'test/app.test.ts']);
  });
});

/** What the bundle does to start faster changes nothing a user sees: file order, zod's behaviour. */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';
import { describe, expect, it } from 'vitest';
import { subsetModule, zodMembers, zodSubsetPlugin } from '../scripts/zod-subset.mjs';
import { PYTHON_FRAMEWORKS } from '../src/catalog/frameworks/index.js';
import * as sourceOptions from '../src/options/schema.js';
import { comparePaths } from '../src/core/path-order.js';
import { plan } from '../src/generate/plan.js';
import { runtimeOf } from '../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));
import { CLI, REPO_ROOT, scratchDir } from './support/helpers.js';

describe('comparePaths', () => {
  it.each(PYTHON_FRAMEWORKS.map((f) => f.name))(
    'lists the %s project in the order localeCompare gives',
    (framework) => {
      const paths = planOf(sourceOptions.parseServiceOptions({ serviceName: 'svc', framework })).files.map(
        (f) => f.path,
      );
      expect(paths).toEqual([...paths].sort((a, b) => a.localeCompare(b)));
      expect(paths).toEqual([...paths].sort(comparePaths));
    },
  );

  it('ignores case first, so README.md comes after app/ as in a listing', () => {
    expect(['README.md', 'app/main.py', 'Dockerfile'].sort(comparePaths)).toEqual([
      'app/main.py',
      'Dockerfile',
      'README.md',
    ]);
  });
});

describe('the zod subset the bundle is built with', () => {
  it('collects the members used through z.<member>', () => {
    const js = "import { z } from 'zod';\nexport const s = z.object({ a: z.string().min(1), b: z .enum(['x']) });\n";
    expect([...zodMembers(js)].sort()).toEqual(['enum', 'object', 'string']);
  });

  it.each([
    ['destructured', "import { z } from 'zod';\nconst { string } = z;\n"],
    ['passed around', "import { z } from 'zod';\nuse(z);\n"],
    ['indexed', "import { z } from 'zod';\nz['string']();\n"],
  ])('refuses zod %s, which it cannot see', (_, js) => {
    expect(() => zodMembers(js, 'm.js')).toThrow(/m\.js:2: zod is used other than as z\.<member>/);
  });

  it('refuses a member name that is not an identifier', () => {
    expect(() => subsetModule(new Set(['string', 'a-b']))).toThrow(/not a zod member name: a-b/);
  });

  it('parses options exactly as the full zod does', async () => {
    const dir = scratchDir('cts-zod-subset-');
    const out = path.join(dir, 'options.mjs');
    const bundle = await rolldown({
      cwd: REPO_ROOT,
      input: path.join(REPO_ROOT, 'src/options/schema.ts'),
      platform: 'node',
      logLevel: 'silent',
      plugins: [zodSubsetPlugin(path.join(REPO_ROOT, 'src'))],
    });
    const { output } = await bundle.generate({ format: 'esm', minify: true, codeSplitting: false });
    await bundle.close();
    const [chunk] = output;
    writeFileSync(out, chunk.code);
    // Only part of zod is in it (all of it is about 190 kB minified): the schemas the CLI runs, not JSON
    // Schema, codecs or the locales.
    const zodBytes = Object.entries(chunk.modules)
      .filter(([file]) => file.includes('node_modules/zod/'))
      .reduce((sum, [, module]) => sum + module.renderedLength, 0);
    expect(zodBytes).toBeGreaterThan(0);
    // JSON Schema conversion, which every schema type refers to but no command calls, is left out.
    expect(Object.keys(chunk.modules).filter((file) => /json-schema/.test(file) && !file.startsWith('\0'))).toEqual([]);
    expect(chunk.code).not.toContain('Non-representable type');
    const bundled = (await import(pathToFileURL(out).href)) as typeof sourceOptions;
    const inputs: unknown[] = [
      { serviceName: 'svc' },
      { serviceName: 'svc', framework: 'flask', signals: 'logs,traces', samplerRatio: '0.25' },
      { serviceName: 'svc', resourceAttributes: ['team=a', 'tier=b'], excludedUrls: '/a,/b' },
      { serviceName: 'svc', samplerRatio: '1.5' },
      { serviceName: 'svc', framework: 'rails' },
      { serviceName: '', maxQueueSize: '0x10' },
      { serviceName: 'svc', signals: 'traces,bogus' },
      { serviceName: 'svc', unknownKey: 1 },
      { serviceName: 'svc', exporter: 'otlp-http', endpoint: 'collector:4317' },
    ];
    const outcome = (o: typeof sourceOptions, input: unknown) => {
      try {
        return { ok: o.parseServiceOptions(input) };
      } catch (error) {
        return { error: (error as Error).message };
      }
    };
    for (const input of inputs) expect(outcome(bundled, input)).toEqual(outcome(sourceOptions, input));
  });
});

describe('what a scaffold loads of Node', () => {
  /** Node's built-in modules a `--yes --no-install --no-smoke` scaffold loads after Node's own start-up. */
  function builtinsLoaded(): string[] {
    const dir = scratchDir('cts-builtins-');
    const out = path.join(dir, 'builtins.json');
    const preload = [
      "import { writeFileSync } from 'node:fs';",
      'const before = new Set(process.moduleLoadList);',
      "process.on('exit', () => writeFileSync(process.env.CTS_BUILTINS_OUT, JSON.stringify(process.moduleLoadList.filter((m) => !before.has(m)))));",
    ].join('\n');
    execFileSync(
      process.execPath,
      [
        '--import',
        `data:text/javascript,${encodeURIComponent(preload)}`,
        CLI,
        'svc',
        '--yes',
        '--no-install',
        '--no-smoke',
      ],
      { cwd: dir, env: { ...process.env, CI: '1', CTS_BUILTINS_OUT: out }, stdio: 'ignore' },
    );
    return (JSON.parse(readFileSync(out, 'utf8')) as string[])
      .filter((m) => m.startsWith('NativeModule '))
      .map((m) => m.slice('NativeModule '.length));
  }

  it('takes the built-ins without their ES facades, which load what the scaffold never uses', () => {
    const loaded = builtinsLoaded();
    expect(loaded).toContain('crypto');
    // Read through a facade, node:fs loads its streams and node:crypto its Web Crypto API.
    expect(loaded).not.toContain('internal/fs/streams');
    expect(loaded).not.toContain('internal/crypto/webcrypto');
    // The `performance` global loads perf_hooks: step timings come from process.hrtime.
    expect(loaded).not.toContain('perf_hooks');
    // Nothing a scaffold into a new directory does waits on node:fs/promises: it loads when first used.
    expect(loaded).not.toContain('fs/promises');
    // The staging folder is gone once renamed into place: nothing is left to remove recursively.
    expect(loaded).not.toContain('internal/fs/rimraf');
  });
});

describe('the bin on a Node older than it supports', () => {
  it('says which Node it needs, in one line', () => {
    // Node before 20.16 has no process.getBuiltinModule, which the bundle takes its built-ins from.
    const preload = `data:text/javascript,${encodeURIComponent('delete process.getBuiltinModule;')}`;
    const result = spawnSync(process.execPath, ['--import', preload, CLI, '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^create-traced-service: needs Node \^20\.19 or >= 22\.12, this is v[\d.]+\n$/);
  });
});

describe('the templates in the bundle', () => {
  it("keep each folder's templates in a module beside it, loaded only when one of them is rendered", async () => {
    const { templatesModule, dataFileName } = await import('../scripts/templates.mjs');
    const dir = scratchDir('cts-templates-data-');
    const { code } = templatesModule(undefined, { dataDir: dir });
    // The module holds only the index; Express's bootstrap code is only in the node folder's module.
    expect(code).not.toContain('JsonConsoleSpanExporter');
    expect(code).toContain('"node/src/telemetry.ts.hbs": { "group": "templates-node.cjs", "hbs": true }');
    const node = createRequire(import.meta.url)(path.join(dir, dataFileName('node')));
    // Precompiled: a template specification with its code, not a string to evaluate at run time.
    expect(typeof node['node/src/telemetry.ts.hbs'].spec.main).toBe('function');
    expect(String(node['node/src/telemetry.ts.hbs'].spec.main)).toContain('JsonConsoleSpanExporter');
    // The unit tests' module (no data directory) inlines everything.
    expect(templatesModule().code).toContain('JsonConsoleSpanExporter');
  });

  it("compile each template's functions with their module, so that Node's compile cache keeps their code", async () => {
    const { templatesModule, dataFileName } = await import('../scripts/templates.mjs');
    const dir = scratchDir('cts-templates-eager-');
    templatesModule(undefined, { dataDir: dir });
    const code = readFileSync(path.join(dir, dataFileName('partials')), 'utf8');
    // V8 compiles a parenthesized function expression with its script (a lazy one at its first call, every run).
    const functions = [...code.matchAll(/(.)function\(container, ?depth0/g)];
    expect(functions.length).toBeGreaterThan(10);
    expect(functions.filter((m) => m[1] !== '(')).toEqual([]);
    // Still the same templates: the partial renders as before.
    const spec = createRequire(import.meta.url)(path.join(dir, dataFileName('partials')));
    expect(
      Object.values(spec).every((e) => typeof (e as { spec?: { main?: unknown } }).spec?.main === 'function'),
    ).toBe(true);
  });
});

describe('the live view in the bundle', () => {
  const dist = path.join(REPO_ROOT, 'dist');
  /** The files Node loads for `module` and everything it imports statically (relative specifiers only). */
  function staticClosure(start: string): Set<string> {
    const seen = new Set<string>();
    const todo = [start];
    while (todo.length > 0) {
      const file = todo.pop() as string;
      if (seen.has(file)) continue;
      seen.add(file);
      const code = readFileSync(path.join(dist, file), 'utf8');
      // Static requires only: a dynamic import() is `.then(()=>require("./x.cjs"))`, run with its command.
      for (const m of code.matchAll(/(?<!=>)\brequire\(["']\.\/([^"']+)["']\)/g)) todo.push(m[1] as string);
    }
    return seen;
  }

  it('is not in what a scaffold loads', () => {
    const create = readdirSync(dist).find((f) => /^create-[\w-]+\.cjs$/.test(f));
    expect(create).toBeDefined();
    const loaded = new Set([...staticClosure('cli.cjs'), ...staticClosure(create as string)]);
    expect(loaded.size).toBeGreaterThan(2);
    for (const file of loaded) {
      const code = readFileSync(path.join(dist, file), 'utf8');
      expect(code, file).not.toContain('text/event-stream');
      expect(code, file).not.toContain('page.js');
    }
  });

  it('ships its page as one self-contained script: nothing is fetched at run time', () => {
    const page = readFileSync(path.join(dist, 'view', 'page.js'), 'utf8');
    expect(page).not.toMatch(/\bimport\s*\(|\bfrom\s*["']/);
    expect(page.match(/https?:\/\/[\w./-]+/g)?.filter((u) => !u.startsWith('http://www.w3.org/')) ?? []).toEqual([]);
    expect(readFileSync(path.join(dist, 'view', 'page.css'), 'utf8')).not.toMatch(/@import|url\(/);
  });
});

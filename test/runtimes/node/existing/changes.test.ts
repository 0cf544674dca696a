import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dockerfileWithImport,
  dockerStart,
  lastStageHasBootstrap,
  withBootstrapCopied,
} from '../../../../src/runtimes/node/existing/dockerfile.js';
import { editPackageJson } from '../../../../src/runtimes/node/existing/package-json.js';
import { planNodeChanges } from '../../../../src/runtimes/node/existing/changes.js';
import { analyseNodeProject } from '../../../../src/runtimes/node/existing/project.js';
import { parseStartScript, withImport } from '../../../../src/runtimes/node/existing/start-command.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { scratchDir } from '../../../support/helpers.js';

const fixture = (name: string) => path.resolve('test/fixtures/existing-node', name);

function copyFixture(name: string): string {
  const dir = path.join(scratchDir('cts-node-'), name);
  cpSync(fixture(name), dir, { recursive: true });
  return dir;
}

function applyPlan(dir: string, changes: { path: string; after: string }[]): void {
  for (const c of changes) writeFileSync(path.join(dir, c.path), c.after);
}

const expressOptions = () => parseServiceOptions({ serviceName: 'orders-api', framework: 'express' });

describe('start commands', () => {
  it('finds the node command after env assignments and build steps', () => {
    const s = parseStartScript(
      'npm run build && NODE_ENV=production node --enable-source-maps -r dotenv/config dist/index.js --port 1',
    );
    expect(s.command).toMatchObject({
      runner: 'node',
      entry: 'dist/index.js',
      preloads: [{ flag: '-r', value: 'dotenv/config' }],
    });
    expect(parseStartScript('nodemon server.js')).toEqual({ otherRunner: 'nodemon' });
    expect(parseStartScript("NODE_OPTIONS='--require ./tracing.js' node app.js").command?.preloads).toEqual([
      { flag: '--require', value: './tracing.js' },
    ]);
  });

  it('inserts --import right after node, once', () => {
    const script = 'NODE_ENV=production node server.js';
    const once = withImport(script, parseStartScript(script).command!, 'telemetry.mjs');
    expect(once).toBe('NODE_ENV=production node --import ./telemetry.mjs server.js');
    expect(withImport(once, parseStartScript(once).command!, 'telemetry.mjs')).toBe(once);
  });

  it('edits the Dockerfile CMD in exec and shell form', () => {
    expect(dockerfileWithImport('FROM node\nCMD ["node","dist/main.js"]\n', 'telemetry.mjs')).toBe(
      'FROM node\nCMD ["node","--import","./telemetry.mjs","dist/main.js"]\n',
    );
    expect(dockerfileWithImport('FROM node\r\nCMD node server.js\r\n', 'telemetry.mjs')).toBe(
      'FROM node\r\nCMD node --import ./telemetry.mjs server.js\r\n',
    );
    const npmStart = 'FROM node\nCMD ["npm", "start"]\n';
    expect(dockerfileWithImport(npmStart, 'telemetry.mjs')).toBe(npmStart);
    expect(dockerStart(npmStart, 'telemetry.mjs')?.runsNode).toBe(false);
  });
});

describe('editPackageJson', () => {
  it('keeps indentation, line endings, the missing final newline and key order', () => {
    const before =
      '{\r\n\t"name": "x",\r\n\t"dependencies": {\r\n\t\t"zod": "^4.0.0",\r\n\t\t"express": "^5.0.0"\r\n\t},\r\n\t"scripts": {}\r\n}';
    const after = editPackageJson(before, {
      dependencies: { '@opentelemetry/api': '1.10.0' },
      scripts: { start: 'node a.js' },
    });
    expect(after).toBe(
      '{\r\n\t"name": "x",\r\n\t"dependencies": {\r\n\t\t"zod": "^4.0.0",\r\n\t\t"express": "^5.0.0",\r\n\t\t"@opentelemetry/api": "1.10.0"\r\n\t},\r\n\t"scripts": {\r\n\t\t"start": "node a.js"\r\n\t}\r\n}',
    );
  });

  it('keeps a byte-order mark', () => {
    const after = editPackageJson('\uFEFF{\n  "name": "x"\n}\n', { dependencies: { a: '1.0.0' } });
    expect(after).toBe('\uFEFF{\n  "name": "x",\n  "dependencies": {\n    "a": "1.0.0"\n  }\n}\n');
  });

  it('pins in place, at the sorted position, and moves a dev dependency to dependencies', () => {
    const before = `${JSON.stringify({ dependencies: { a: '1', z: '1', '@opentelemetry/api': '^1.0.0' }, devDependencies: { '@opentelemetry/core': '^2.0.0', vitest: '1' } }, null, 2)}\n`;
    const data = JSON.parse(
      editPackageJson(before, { dependencies: { '@opentelemetry/api': '1.10.0', '@opentelemetry/core': '3.0.0' } }),
    );
    expect(Object.entries(data.dependencies)).toEqual([
      ['a', '1'],
      ['z', '1'],
      ['@opentelemetry/api', '1.10.0'],
      ['@opentelemetry/core', '3.0.0'],
    ]);
    expect(data.devDependencies).toEqual({ vitest: '1' });
  });

  it('property: the edited file re-parses and holds exactly the pins, everything else as it was', () => {
    const name = fc.stringMatching(/^(@[a-z]{1,5}\/)?[a-z][a-z0-9-]{0,10}$/);
    const version = fc.stringMatching(/^[~^]?\d{1,2}\.\d{1,2}\.\d{1,2}$/);
    fc.assert(
      fc.property(
        fc.dictionary(name, version),
        fc.dictionary(name, version),
        fc.dictionary(name, version, { minKeys: 1 }),
        fc.constantFrom(2, 4, '\t'),
        fc.boolean(),
        (deps, dev, pins, indent, finalNewline) => {
          const before =
            JSON.stringify({ name: 'svc', dependencies: deps, devDependencies: dev, x: [1] }, null, indent) +
            (finalNewline ? '\n' : '');
          const after = editPackageJson(before, { dependencies: pins });
          const data = JSON.parse(after);
          for (const [n, v] of Object.entries(pins)) expect(data.dependencies[n]).toBe(v);
          for (const [n, v] of Object.entries(deps)) if (!(n in pins)) expect(data.dependencies[n]).toBe(v);
          expect(Object.keys(data.dependencies).length).toBe(
            new Set([...Object.keys(deps), ...Object.keys(pins)]).size,
          );
          for (const n of Object.keys(data.devDependencies)) expect(n in pins).toBe(false);
          expect(Object.keys(data)).toEqual(['name', 'dependencies', 'devDependencies', 'x']);
          expect(after.endsWith('\n')).toBe(finalNewline);
          expect(after.split('\n')[1]).toMatch(
            typeof indent === 'number' ? new RegExp(`^ {${indent}}"name"`) : /^\t"name"/,
          );
        },
      ),
    );
  });
});

describe('planNodeChanges', () => {
  it('plans the bootstrap, package.json, the Dockerfile and the record; planning again on the result changes nothing', () => {
    const dir = copyFixture('express-cjs');
    const plan = planNodeChanges(analyseNodeProject(dir), expressOptions(), undefined);
    expect(plan.changes.map((c) => c.path).sort()).toEqual([
      '.create-traced-service.json',
      'Dockerfile',
      'package.json',
      'telemetry.mjs',
    ]);
    const pkg = JSON.parse(plan.changes.find((c) => c.path === 'package.json')!.after);
    expect(pkg.scripts.start).toBe('NODE_ENV=production node --import ./telemetry.mjs server.js');
    expect(pkg.dependencies['@opentelemetry/sdk-node']).toBe('0.300.0');
    expect(pkg.dependencies['@opentelemetry/instrumentation-express']).toBe('0.72.0');
    expect(pkg.dependencies.express).toBe('^4.21.2');
    applyPlan(dir, plan.changes);
    const answers = readFileSync(path.join(dir, '.create-traced-service.json'), 'utf8');
    const again = planNodeChanges(analyseNodeProject(dir), expressOptions(), answers);
    expect(again.changes).toEqual([]);
  });

  it('adds a start script for a service started by `main`', () => {
    const dir = copyFixture('express-cjs');
    const pkgFile = path.join(dir, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    delete pkg.scripts.start;
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 4));
    const plan = planNodeChanges(analyseNodeProject(dir), expressOptions(), undefined);
    const after = JSON.parse(plan.changes.find((c) => c.path === 'package.json')!.after);
    expect(after.scripts).toEqual({ dev: 'node --watch server.js', start: 'node --import ./telemetry.mjs server.js' });
  });

  it('a "start:prod" script beside a watching "start:dev", and a `main` that names no file', () => {
    const dir = copyFixture('express-cjs');
    const pkgFile = path.join(dir, 'package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
    pkg.main = 'index.ts';
    pkg.scripts = { 'start:dev': 'node --watch server.js', 'start:prod': 'node server.js' };
    writeFileSync(pkgFile, JSON.stringify(pkg, null, 2));
    const project = analyseNodeProject(dir);
    expect(project.start).toMatchObject({ scriptName: 'start:prod', source: 'scripts.start:prod' });
    expect(project.entry).toEqual({ run: 'server.js', source: 'server.js', exists: true });
    const plan = planNodeChanges(project, expressOptions(), undefined);
    const after = JSON.parse(plan.changes.find((c) => c.path === 'package.json')!.after);
    expect(after.scripts).toEqual({
      'start:dev': 'node --watch server.js',
      'start:prod': 'node --import ./telemetry.mjs server.js',
    });
    expect(plan.changes.find((c) => c.path === 'package.json')!.summary).toContain(
      'the start:prod script preloads ./telemetry.mjs with --import',
    );
  });

  it('copies the bootstrap into the last stage of a multi-stage Dockerfile that copies only its build', () => {
    const dir = copyFixture('express-cjs');
    writeFileSync(
      path.join(dir, 'Dockerfile'),
      [
        'FROM node:24 AS build',
        'WORKDIR /app',
        'COPY . .',
        'RUN npm ci',
        'FROM node:24-alpine AS runner',
        'WORKDIR /app',
        'COPY --from=build --chown=node:node /app/node_modules ./node_modules',
        'COPY --from=build --chown=node:node /app/server.js ./',
        'USER node',
        'CMD ["node", "server.js"]',
        '',
      ].join('\n'),
    );
    const plan = planNodeChanges(analyseNodeProject(dir), expressOptions(), undefined);
    const docker = plan.changes.find((c) => c.path === 'Dockerfile')!;
    expect(docker.after.split('\n').slice(-3)).toEqual([
      'COPY --chown=node:node telemetry.mjs ./',
      'CMD ["node", "--import", "./telemetry.mjs", "server.js"]',
      '',
    ]);
    expect(docker.summary).toContain("copies telemetry.mjs into the image's last stage");
  });

  it('leaves the copy alone when the last stage copies the whole context', () => {
    const text = 'FROM node:24\nWORKDIR /app\nCOPY . .\nCMD ["node", "server.js"]\n';
    expect(lastStageHasBootstrap(text, 'telemetry.mjs')).toBe(true);
    expect(withBootstrapCopied(text, 'telemetry.mjs')).toBe(text);
    expect(
      lastStageHasBootstrap('FROM a AS b\nCOPY . .\nFROM c\nCOPY --from=b /x ./\nCMD node x\n', 'telemetry.mjs'),
    ).toBe(false);
  });

  it('refuses a bundled entry, another runner, an SDK already started, an unknown framework', () => {
    const refusal = (edit: (dir: string) => void) => {
      const dir = copyFixture('express-cjs');
      edit(dir);
      try {
        planNodeChanges(analyseNodeProject(dir), expressOptions(), undefined);
      } catch (error) {
        return (error as Error).message;
      }
      return 'no refusal';
    };
    const setPkg = (dir: string, change: (p: Record<string, any>) => void) => {
      const file = path.join(dir, 'package.json');
      const p = JSON.parse(readFileSync(file, 'utf8'));
      change(p);
      writeFileSync(file, JSON.stringify(p));
    };
    expect(
      refusal((d) =>
        setPkg(d, (p) =>
          Object.assign(p.scripts, {
            build: 'esbuild server.js --bundle --platform=node --outfile=dist/app.js',
            start: 'node dist/app.js',
          }),
        ),
      ),
    ).toMatch(/bundles the service \(esbuild\).*never happens inside a bundle.*--packages=external/);
    expect(refusal((d) => setPkg(d, (p) => (p.scripts.start = 'pm2-runtime server.js')))).toMatch(
      /runs pm2-runtime, not node/,
    );
    expect(
      refusal(
        (d) =>
          writeFileSync(
            path.join(d, 'server.js'),
            "require('./otel');\n" + readFileSync(path.join(d, 'server.js'), 'utf8'),
          ) ||
          writeFileSync(
            path.join(d, 'otel.js'),
            "const { NodeSDK } = require('@opentelemetry/sdk-node');\nnew NodeSDK().start();\n",
          ),
      ),
    ).toMatch(/starts an OpenTelemetry SDK already \(new NodeSDK\(\) at otel.js:2\)/);
    expect(refusal((d) => setPkg(d, (p) => (p.dependencies = { koa: '^2.0.0' })))).toMatch(/koa detected/);
  });
});

// Entries and relative loads resolved as Node resolves them, JSON read as data, unreadable modules as notes.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { refuseNodeProject } from '../../../../src/runtimes/node/existing/changes.js';
import { analyseNodeProject } from '../../../../src/runtimes/node/existing/project.js';
import { scratchDir } from '../../../support/helpers.js';

/** An invented project: files by relative path. */
function project(files: Record<string, string | object>): string {
  const dir = scratchDir('cts-node-resolve-');
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(
      path.join(dir, file),
      typeof content === 'string' ? content : `${JSON.stringify(content, null, 2)}\n`,
    );
  }
  return dir;
}

const EXPRESS_APP =
  "import express from 'express';\nconst app = express();\napp.get('/ping', (_req, res) => res.send('pong'));\napp.listen(Number(process.env.PORT ?? 3000));\n";

describe('entries as Node resolves them', () => {
  it('a directory entry built by esbuild (`node build`, build/ not made yet) maps to src/index.ts and its build script', () => {
    const dir = project({
      'package.json': {
        name: 'ledger',
        scripts: {
          build: 'esbuild src/index.ts --bundle --platform=node --packages=external --outdir=build',
          start: 'node build',
        },
        dependencies: { express: '^4.21.2' },
      },
      'src/index.ts': EXPRESS_APP,
    });
    const p = analyseNodeProject(dir);
    expect(p.entry).toEqual({ run: 'build', source: 'src/index.ts', exists: true });
    expect(p.modules.map((m) => m.file)).toEqual(['src/index.ts']);
    expect(p.build).toEqual({
      script: 'build',
      command: 'esbuild src/index.ts --bundle --platform=node --packages=external --outdir=build',
    });
    expect(() => refuseNodeProject(p)).not.toThrow();
  });

  it('a built directory entry that exists is read through its package.json main, then index.js', () => {
    const dir = project({
      'package.json': { scripts: { start: 'node out' }, dependencies: { express: '4' } },
      'out/package.json': { main: 'app.js' },
      'out/app.js': "const express = require('express');\nexpress().listen(process.env.PORT);\n",
      'out/index.js': "require('./app');\n",
    });
    const p = analyseNodeProject(dir);
    expect(p.entry).toEqual({ run: 'out', source: 'out/app.js', exists: true });
  });

  it('an entry without extension and a require() without one are followed', () => {
    const dir = project({
      'package.json': {
        name: 'notes',
        version: '1.2.0',
        scripts: { start: 'node index' },
        dependencies: { express: '4' },
      },
      'index.js': "require('./src/server');\n",
      'src/server.js':
        "const express = require('express');\nconst { version } = require('../package.json');\nconst routes = require('./routes');\nconst app = express();\napp.use(routes);\napp.listen(process.env.PORT);\n",
      'src/routes/index.js': "const { Router } = require('express');\nmodule.exports = Router();\n",
    });
    const p = analyseNodeProject(dir);
    expect(p.entry).toEqual({ run: 'index', source: 'index.js', exists: true });
    expect(p.modules.map((m) => m.file)).toEqual(['index.js', 'src/server.js', 'src/routes/index.js']);
    expect(p.unreadable).toEqual([]);
  });

  it('a module the parser cannot read is a note, never a crash', () => {
    const dir = project({
      'package.json': { scripts: { start: 'node server.js' }, dependencies: { express: '4' } },
      'server.js':
        "const express = require('express');\nconst seed = require('./seed');\nexpress().listen(process.env.PORT);\n",
      // JSON text in a .js file: not JavaScript.
      'seed.js': '{\n  "rows": [1, 2]\n}\n',
    });
    const p = analyseNodeProject(dir);
    expect(p.modules.map((m) => m.file)).toEqual(['server.js', 'seed.js']);
    expect(p.unreadable).toEqual([{ file: 'seed.js', line: 2, message: expect.stringMatching(/Unexpected token/) }]);
  });

  it('a tsc-built entry names the build script; without one it is said what to run', () => {
    const files = {
      'tsconfig.json': '{ "compilerOptions": { "outDir": "dist", "rootDir": "src", "module": "commonjs" } }',
      'src/main.ts': EXPRESS_APP,
    };
    const withBuild = analyseNodeProject(
      project({
        ...files,
        'package.json': { scripts: { build: 'tsc -p .', start: 'node dist/main.js' }, dependencies: { express: '4' } },
      }),
    );
    expect(withBuild.build).toEqual({ script: 'build', command: 'tsc -p .' });
    const without = analyseNodeProject(
      project({
        ...files,
        'package.json': { scripts: { start: 'node dist/main.js' }, dependencies: { express: '4' } },
      }),
    );
    expect(without.build).toEqual({ missing: 'npx tsc' });
    // A plain JavaScript service is run as written: nothing to build.
    const plain = analyseNodeProject(
      project({ 'package.json': { scripts: { start: 'node app.js' }, dependencies: { express: '4' } }, 'app.js': '' }),
    );
    expect(plain.build).toBeUndefined();
  });
});

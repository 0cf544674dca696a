/** The "before" copy the project's own tests run in: the original texts, also behind relative symlinks. */
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { originalCopy } from '../../src/pipeline/project-tests.js';
import { scratchDir } from '../support/helpers.js';

describe('originalCopy', () => {
  it('restores the changed files, drops created ones, and a symlinked module reads the original', async () => {
    const root = path.join(scratchDir('cts-original-'), 'svc');
    mkdirSync(path.join(root, 'shared'), { recursive: true });
    mkdirSync(path.join(root, 'app'));
    mkdirSync(path.join(root, '.venv'));
    writeFileSync(path.join(root, 'shared', 'main.py'), 'import otel_telemetry\napp = 1\n');
    symlinkSync('../shared/main.py', path.join(root, 'app', 'main.py'));
    writeFileSync(path.join(root, 'app', 'otel_telemetry.py'), '# new\n');
    writeFileSync(path.join(root, '.venv', 'marker'), '');

    const copy = await originalCopy(root, [
      { path: 'shared/main.py', before: 'app = 1\n' },
      { path: 'app/otel_telemetry.py', before: null },
    ]);
    try {
      expect(readFileSync(path.join(copy.dir, 'app', 'main.py'), 'utf8')).toBe('app = 1\n');
      expect(() => readFileSync(path.join(copy.dir, 'app', 'otel_telemetry.py'))).toThrow();
      expect(() => readFileSync(path.join(copy.dir, '.venv', 'marker'))).toThrow();
      // The project itself is untouched.
      expect(readFileSync(path.join(root, 'app', 'main.py'), 'utf8')).toBe('import otel_telemetry\napp = 1\n');
    } finally {
      await copy.cleanup();
    }
  });
});

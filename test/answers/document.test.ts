/** The answers file's API: legacy and current documents, damaged ones refused in one line, bytes kept. */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ANSWERS_SCHEMA_VERSION,
  AnswersShapeError,
  parseAnswersText,
  peekAnswers,
  serializeAnswers,
} from '../../src/answers/document.js';
import {
  answersPath,
  generatedAnswersText,
  readAnswersFile,
  readAnswersText,
  tracedAnswersText,
} from '../../src/answers/file.js';
import { MIGRATION_IDS } from '../../src/answers/migrations.js';
import { cliVersion, templatesFingerprint } from '../../src/core/paths.js';
import { scratchDir } from '../support/helpers.js';

/** The one-line message parseAnswersText throws for a text. */
function refusal(text: string): string {
  try {
    parseAnswersText(text);
  } catch (error) {
    expect(error).toBeInstanceOf(AnswersShapeError);
    return (error as Error).message;
  }
  throw new Error(`accepted: ${text}`);
}

describe('parseAnswersText', () => {
  it('reads a legacy (schema 1) document: no version, no migrations, options from before --examples', () => {
    const doc = parseAnswersText(JSON.stringify({ cliVersion: '0.0.9', options: { serviceName: 's' } }));
    expect(doc).toEqual({
      schemaVersion: 1,
      cliVersion: '0.0.9',
      // A FastAPI project of that time had the worked examples, and exported traces only.
      options: { serviceName: 's', signals: ['traces'], examples: true },
      migrations: [],
    });
  });

  it('reads a legacy add-tracing document without adding examples, keeping its record', () => {
    const existing = { app: 'main:app', serverCommand: ['uvicorn', 'main:app'] };
    const doc = parseAnswersText(JSON.stringify({ cliVersion: '0.0.9', options: { serviceName: 's' }, existing }));
    expect(doc.options).toEqual({ serviceName: 's', signals: ['traces'] });
    expect(doc.existing).toEqual(existing);
  });

  it('reads a schema-2 document as written and serializes it back byte for byte', () => {
    const options = { serviceName: 's', framework: 'flask', examples: false, signals: ['traces', 'metrics'] };
    const text = generatedAnswersText(options, [{ path: 'app/main.py', content: 'print(1)\n' }]);
    const doc = parseAnswersText(text);
    expect(doc.schemaVersion).toBe(ANSWERS_SCHEMA_VERSION);
    expect(doc.cliVersion).toBe(cliVersion());
    // The templates that rendered it, so a later CLI can tell whether it renders the very same base.
    expect(doc.templates).toBe(templatesFingerprint());
    expect(doc.templates).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(doc.migrations).toEqual(MIGRATION_IDS);
    expect(Object.keys(doc.files ?? {})).toEqual(['app/main.py']);
    expect(doc.base?.encoding).toBe('gzip+base64:json');
    expect(serializeAnswers(doc)).toBe(text);
  });

  it('forgives a damaged version or migration list: they count as not recorded', () => {
    const doc = parseAnswersText(
      JSON.stringify({
        schemaVersion: 'two',
        cliVersion: 7,
        options: { examples: false },
        migrations: ['a', 3],
      }),
    );
    expect(doc).toEqual({
      schemaVersion: 1,
      cliVersion: 'unknown',
      options: { examples: false, signals: ['traces'] },
      migrations: ['a'],
    });
  });

  it('refuses a damaged file record: its paths are read and written', () => {
    expect(refusal(JSON.stringify({ options: {}, files: 5 }))).toBe('"files" must be an object');
    expect(refusal(JSON.stringify({ options: {}, files: { '../x': 'sha256:0' } }))).toBe(
      'files."../x": must be a relative path inside the project',
    );
  });

  it('keeps a __proto__ key among the options as an own key', () => {
    const doc = parseAnswersText('{"options":{"examples":false,"__proto__":{"polluted":true}}}');
    expect(Object.keys(doc.options)).toEqual(['examples', '__proto__', 'signals']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it.each([
    ['not JSON', '{"options": ', /^is not valid JSON \(/],
    ['an array', '[]', /^must hold a JSON object$/],
    ['null', 'null', /^must hold a JSON object$/],
    ['no options', '{"cliVersion":"0.1.0"}', /^has no "options" object$/],
    ['options that are not an object', '{"options":"fastapi"}', /^has no "options" object$/],
    [
      'a newer schema',
      '{"schemaVersion":99,"options":{}}',
      /^was written by a newer create-traced-service \(answers schema 99, this CLI reads up to 2\); upgrade the CLI first$/,
    ],
  ])('refuses %s in one line', (_name, text, message) => {
    const said = refusal(text);
    expect(said).toMatch(message);
    expect(said).not.toContain('\n');
  });
});

describe('peekAnswers', () => {
  it('gives what a JSON object records, unchecked, and nothing for anything else', () => {
    expect(peekAnswers('{"options":{"serviceName":"s"},"existing":{"route":{"path":"/a"}}}')).toEqual({
      options: { serviceName: 's' },
      existing: { route: { path: '/a' } },
    });
    expect(peekAnswers('not json')).toBeUndefined();
    expect(peekAnswers('[1]')).toBeUndefined();
    expect(peekAnswers(undefined)).toBeUndefined();
  });
});

describe('the answers file on disk', () => {
  it('is absent, read, or refused with AnswersShapeError', async () => {
    const dir = scratchDir('cts-answers-');
    expect(readAnswersFile(dir)).toBeUndefined();
    expect(await readAnswersText(dir)).toBeUndefined();

    const text = tracedAnswersText({ serviceName: 's' }, { app: 'main:app', serverCommand: ['python', 'main.py'] });
    writeFileSync(answersPath(dir), text);
    expect(await readAnswersText(dir)).toBe(text);
    const read = readAnswersFile(dir);
    expect(read?.path).toBe(path.join(dir, '.create-traced-service.json'));
    expect(read?.doc.existing?.app).toBe('main:app');
    expect(read?.doc.files).toBeUndefined();

    writeFileSync(answersPath(dir), '{"options": 1}');
    expect(() => readAnswersFile(dir)).toThrow(AnswersShapeError);
  });

  it('a directory in its place is refused, naming it', () => {
    const dir = scratchDir('cts-answers-');
    mkdirSync(answersPath(dir));
    expect(() => readAnswersFile(dir)).toThrow(/\.create-traced-service\.json: is a directory, not a regular file$/);
  });

  it("add-tracing's text keeps one key order whatever the record holds", () => {
    const text = tracedAnswersText(
      { serviceName: 's' },
      { app: 'main:app', serverCommand: [] },
      { files: { 'telemetry.py': 'sha256:x' }, base: { encoding: 'gzip+base64:json', data: '' } },
    );
    expect(Object.keys(JSON.parse(text))).toEqual([
      'schemaVersion',
      'cliVersion',
      'templates',
      'options',
      'existing',
      'migrations',
      'files',
      'base',
    ]);
    expect(text.endsWith('}\n')).toBe(true);
  });
});

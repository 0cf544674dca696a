/** The upgrade's pure parts: record, merge, per-file plan, pin moves, migrations, line choice, doctor findings. */
import { describe, expect, it } from 'vitest';
import {
  ANSWERS_SCHEMA_VERSION,
  parseAnswersText,
  serializeAnswers,
  type AnswersDocument,
} from '../../src/answers/document.js';
import { declaredPins, retargetExisting, retargetGenerated } from '../../src/runtimes/python/upgrade/deps.js';
import { conflictFindings, newerSetFinding, pypiFinding } from '../../src/runtimes/python/upgrade/doctor.js';
import { newerKnownLine, newestLineFor } from '../../src/runtimes/python/upgrade/lines.js';
import { conflictMarkerLines, merge2, merge3 } from '../../src/upgrade/merge.js';
import { MIGRATIONS, runMigrations, type Migration, type MigrationContext } from '../../src/answers/migrations.js';
import { planFile, type FileInput } from '../../src/upgrade/plan.js';
import { pythonFromTexts } from '../../src/runtimes/python/upgrade/interpreter.js';
import { contentHash, readBase, recordFiles } from '../../src/answers/record.js';
import { otelLine } from '../../src/catalog/python-sets.js';

const labels = { ours: 'yours', base: 'old', theirs: 'new' };

describe('record', () => {
  it('keeps hashes readable and the base texts recoverable offline', () => {
    const record = recordFiles([
      { path: 'b.py', content: 'B\n' },
      { path: 'a.py', content: 'A\n' },
    ]);
    expect(Object.keys(record.files)).toEqual(['a.py', 'b.py']);
    expect(record.files['a.py']).toBe(contentHash('A\n'));
    expect([...readBase(record)]).toEqual([
      ['a.py', 'A\n'],
      ['b.py', 'B\n'],
    ]);
  });

  it('is byte-identical for the same files, so a rerun rewrites nothing', () => {
    const files = [
      { path: 'x', content: 'one\n' },
      { path: 'y', content: 'two\n' },
    ];
    expect(JSON.stringify(recordFiles(files))).toBe(JSON.stringify(recordFiles([...files].reverse())));
  });

  it('drops a base text whose hash does not match its record', () => {
    const record = recordFiles([{ path: 'a.py', content: 'A\n' }]);
    expect(readBase({ ...record, files: { 'a.py': contentHash('tampered') } }).size).toBe(0);
    expect(readBase({ files: {}, base: { encoding: 'gzip+base64:json', data: 'not gzip' } }).size).toBe(0);
  });
});

describe('merge3', () => {
  const base = 'a\nb\nc\nd\ne\n';
  it('takes both sides when they change different lines', () => {
    const r = merge3(base, 'a\nB\nc\nd\ne\n', 'a\nb\nc\nd\nE\n', labels);
    expect(r).toEqual({ text: 'a\nB\nc\nd\nE\n', conflicts: 0 });
  });

  it('writes git-style markers, with the base, where both changed the same line', () => {
    const r = merge3(base, 'a\nb\nMINE\nd\ne\n', 'a\nb\nTHEIRS\nd\ne\n', labels);
    expect(r.conflicts).toBe(1);
    expect(r.text).toBe('a\nb\n<<<<<<< yours\nMINE\n||||||| old\nc\n=======\nTHEIRS\n>>>>>>> new\nd\ne\n');
    expect(conflictMarkerLines(r.text)).toEqual([3, 9]);
  });

  it('keeps CRLF line ends and a last line without newline', () => {
    const r = merge3('x\r\nm\r\ny', 'X\r\nm\r\ny', 'x\r\nm\r\nY', labels);
    expect(r.text).toBe('X\r\nm\r\nY');
    const c = merge3('x\ny', 'x\nmine', 'x\ntheirs', labels);
    expect(c.text).toBe('x\n<<<<<<< yours\nmine\n||||||| old\ny\n=======\ntheirs\n>>>>>>> new\n');
  });

  it('merges two ways with a conflict at each difference, and none when the texts are equal', () => {
    expect(merge2('a\nb\n', 'a\nb\n', labels)).toEqual({ text: 'a\nb\n', conflicts: 0 });
    const m = merge2('x\r\nsame\r\n', 'y\r\nsame\r\n', labels);
    expect(m).toEqual({ text: '<<<<<<< yours\r\nx\r\n=======\r\ny\r\n>>>>>>> new\r\nsame\r\n', conflicts: 1 });
    expect(conflictMarkerLines(m.text)).toEqual([1, 5]);
  });

  it('finds no markers in ordinary text', () => {
    expect(conflictMarkerLines('a = "<<<<<<<"\n# ======= rule\n')).toEqual([]);
  });
});

describe('planFile', () => {
  const input = (over: Partial<FileInput>): FileInput => ({
    path: 'app/x.py',
    ours: 'a\n',
    theirs: 'a\n',
    recorded: true,
    ...over,
  });

  it('replaces a file the user never edited', () => {
    const p = planFile(input({ base: 'old\n', ours: 'old\n', theirs: 'new\n' }), labels);
    expect([p.action, p.after]).toEqual(['replace', 'new\n']);
  });

  it('merges an edited file and keeps the edit', () => {
    const p = planFile(input({ base: 'a\nb\nc\n', ours: 'a\nb\nc\nmine\n', theirs: 'A\nb\nc\n' }), labels);
    expect([p.action, p.after]).toEqual(['merge', 'A\nb\nc\nmine\n']);
  });

  it('reports a conflict and writes the markers into the file', () => {
    const p = planFile(input({ base: 'a\n', ours: 'mine\n', theirs: 'theirs\n' }), labels);
    expect(p.action).toBe('conflict');
    expect(p.after).toContain('<<<<<<< yours\nmine\n');
  });

  it('leaves a deleted file deleted, and says so', () => {
    const p = planFile(input({ base: 'a\n', ours: null, theirs: 'b\n' }), labels);
    expect(p).toMatchObject({ action: 'deleted', after: null });
    expect(p.reason).toMatch(/deleted/);
  });

  it('without a base shows every difference from the new render as a conflict (a two-way merge)', () => {
    const p = planFile(input({ ours: 'a\nmine\nc\nd\n', theirs: 'a\nb\nc\nd\ne\n' }), labels);
    expect(p).toMatchObject({ action: 'conflict', conflicts: 2, newBase: 'a\nb\nc\nd\ne\n' });
    expect(p.after).toBe(
      'a\n<<<<<<< yours\nmine\n=======\nb\n>>>>>>> new\nc\nd\n<<<<<<< yours\n=======\ne\n>>>>>>> new\n',
    );
    expect(p.reason).toMatch(/no base/);
  });

  it('without a base keeps a file of the same name the tool never wrote', () => {
    const p = planFile(input({ ours: 'edited\n', theirs: 'new\n', recorded: false }), labels);
    expect(p).toMatchObject({ action: 'kept', after: null, newBase: undefined });
  });

  it('counts a missing file as deleted by the user only when the base had it', () => {
    // No base, no hash: the project cannot say it ever had the file (new in this version, or deleted).
    expect(planFile(input({ ours: null, theirs: 'n\n' }), labels)).toMatchObject({ action: 'create', after: 'n\n' });
    const hashOnly = planFile(input({ ours: null, theirs: 'n\n', recordedHash: contentHash('o\n') }), labels);
    expect(hashOnly.action).toBe('deleted');
  });

  it('without a base text still replaces a file whose hash says it is unedited', () => {
    const p = planFile(input({ ours: 'old\n', theirs: 'new\n', recordedHash: contentHash('old\n') }), labels);
    expect([p.action, p.after]).toEqual(['replace', 'new\n']);
  });

  it('creates a file new in this version and writes nothing when nothing changes', () => {
    expect(planFile(input({ ours: null, recorded: false, theirs: 'n\n' }), labels)).toMatchObject({
      action: 'create',
      after: 'n\n',
    });
    expect(planFile(input({ base: 'a\n', ours: 'mine\n', theirs: 'a\n' }), labels)).toMatchObject({
      action: 'unchanged',
      after: null,
    });
  });

  it('moves pins on both sides first, so a version bump next to a user line is no conflict', () => {
    const basePins = new Map([
      ['fastapi', '0.141.1'],
      ['opentelemetry-sdk', '1.42.1'],
    ]);
    const newPins = new Map([
      ['fastapi', '0.165.0'],
      ['opentelemetry-sdk', '1.45.2'],
    ]);
    const retarget = (t: string) => retargetGenerated('requirements.txt', t, basePins, newPins);
    const base = '# SDK 1.42.1\nopentelemetry-sdk==1.42.1\nfastapi==0.141.1\n';
    const ours = '# SDK 1.42.1\nopentelemetry-sdk==1.42.1\nfastapi==0.141.1\nrequests==2.32.3\n';
    const theirs = '# SDK 1.45.2\nopentelemetry-sdk==1.45.2\nfastapi==0.165.0\n';
    const p = planFile({ path: 'requirements.txt', ours, theirs, base, recorded: true, retarget }, labels);
    expect(p.action).toBe('merge');
    expect(p.after).toBe('# SDK 1.45.2\nopentelemetry-sdk==1.45.2\nfastapi==0.165.0\nrequests==2.32.3\n');
    expect(p.pins.map((c) => `${c.name} ${c.from} → ${c.to}`)).toEqual([
      'opentelemetry-sdk 1.42.1 → 1.45.2',
      'fastapi 0.141.1 → 0.165.0',
    ]);
  });

  it('drops on both sides a pin the new render no longer declares, so a line the user added after it is no conflict', () => {
    // FastAPI >= 0.142 traces itself: the new render has no opentelemetry-instrumentation-fastapi.
    const basePins = new Map([
      ['fastapi', '0.141.1'],
      ['opentelemetry-instrumentation-fastapi', '0.63b1'],
    ]);
    const newPins = new Map([['fastapi', '0.165.0']]);
    const retarget = (t: string) => retargetGenerated('requirements.txt', t, basePins, newPins);
    const base = 'fastapi==0.141.1\nopentelemetry-instrumentation-fastapi==0.63b1\n';
    const ours = `${base}requests==2.32.3\n`;
    const theirs = 'fastapi==0.165.0\n';
    const p = planFile({ path: 'requirements.txt', ours, theirs, base, recorded: true, retarget }, labels);
    expect(p.action).toBe('merge');
    expect(p.after).toBe('fastapi==0.165.0\nrequests==2.32.3\n');
    expect(p.pins.map((c) => `${c.name} ${c.from} → ${c.to}`)).toEqual([
      'fastapi 0.141.1 → 0.165.0',
      'opentelemetry-instrumentation-fastapi 0.63b1 → (none)',
    ]);
    // pyproject.toml's dependency array, as generated.
    const toml =
      '[project]\ndependencies = [\n    "fastapi==0.141.1",\n    "opentelemetry-instrumentation-fastapi==0.63b1",\n]\n';
    expect(retargetGenerated('pyproject.toml', toml, basePins, newPins).text).toBe(
      '[project]\ndependencies = [\n    "fastapi==0.165.0",\n]\n',
    );
  });
});

describe('pin moves', () => {
  it('keeps a third-party pin the user changed, but always moves the OpenTelemetry set', () => {
    const text = 'fastapi==0.150.0\nopentelemetry-sdk==1.43.0  # mine\n';
    const r = retargetGenerated(
      'requirements.txt',
      text,
      new Map([['fastapi', '0.141.1']]),
      new Map([
        ['fastapi', '0.165.0'],
        ['opentelemetry-sdk', '1.45.2'],
      ]),
    );
    expect(r.text).toBe('fastapi==0.150.0\nopentelemetry-sdk==1.45.2  # mine\n');
  });

  it('edits pyproject dependencies in place', () => {
    const text = '[project]\nname = "x"\ndependencies = [\n    "opentelemetry-api==1.42.1",  # keep me\n]\n';
    const r = retargetGenerated('pyproject.toml', text, new Map(), new Map([['opentelemetry-api', '1.45.2']]));
    expect(r.text).toBe(text.replace('1.42.1', '1.45.2'));
    expect(declaredPins('pyproject.toml', r.text).get('opentelemetry-api')).toBe('1.45.2');
  });

  it('moves an existing project’s matched set wherever it is declared and leaves its own constraints', () => {
    const line = otelLine('1.45');
    const texts = new Map([
      [
        'requirements.txt',
        'fastapi>=0.100\nopentelemetry-sdk==1.42.1\nopentelemetry-instrumentation-fastapi==0.63b1\n',
      ],
    ]);
    const wanted = [
      { name: 'opentelemetry-sdk', version: line.sdk },
      { name: 'opentelemetry-instrumentation-fastapi', version: line.contrib },
    ];
    const r = retargetExisting(texts, wanted, ['fastapi'], line).get('requirements.txt')!;
    expect(r.text).toBe(
      `fastapi>=0.100\nopentelemetry-sdk==${line.sdk}\nopentelemetry-instrumentation-fastapi==${line.contrib}\n`,
    );
  });
});

describe('answers and migrations', () => {
  const v1 = JSON.stringify({ cliVersion: '0.0.9', options: { serviceName: 's' } });
  const ctx = (cliVersion: string, over: Partial<MigrationContext> = {}): MigrationContext => ({
    cliVersion,
    templates: 'sha256:this-cli',
    renderRecorded: () => [{ path: 'app/main.py', content: 'x\n' }],
    ...over,
  });

  it('reads a schema-1 file and refuses one from a newer CLI', () => {
    expect(parseAnswersText(v1)).toMatchObject({ schemaVersion: 1, migrations: [] });
    expect(() => parseAnswersText(JSON.stringify({ schemaVersion: 99, options: {} }))).toThrow(
      /newer create-traced-service/,
    );
  });

  it('brings schema 1 to 2 once, saying plainly that no base is found and differences become conflicts', () => {
    const run = runMigrations(parseAnswersText(v1), ctx('0.1.0'));
    expect(run.applied.map((a) => a.id)).toEqual(['answers-schema-2', 'examples-opt-in']);
    expect(run.doc.schemaVersion).toBe(ANSWERS_SCHEMA_VERSION);
    expect(run.doc.files).toBeUndefined();
    const notes = run.notes.join(' ');
    expect(notes).toMatch(/0\.0\.9.*recorded no base/);
    expect(notes).toMatch(/no commit in the project's git history adds/);
    expect(notes).toMatch(/templates of create-traced-service 0\.0\.9 are not shipped with this CLI/);
    expect(notes).toMatch(/every difference from the new render is shown as a conflict/);
    expect(runMigrations(run.doc, ctx('0.1.0')).applied).toEqual([]);
  });

  it('takes the base from the commit that first added the answers file', () => {
    const history = {
      commit: 'a2273e2a278ef701fa8d40a1240a61954bda153b',
      files: [{ path: 'app/main.py', content: 'old\n' }],
    };
    const run = runMigrations(parseAnswersText(v1), ctx('0.1.0', { history }));
    expect(readBase(run.doc).get('app/main.py')).toBe('old\n');
    expect(run.notes.join(' ')).toMatch(/recovered from your git history: commit a2273e2/);
  });

  it('renders the base again only from the very templates that rendered it (same fingerprint)', () => {
    // The same version number is not enough: 0.1.0 stood for many template states before releases were real.
    const sameVersion = runMigrations(parseAnswersText(v1), ctx('0.0.9'));
    expect(sameVersion.doc.files).toBeUndefined();
    const v1WithFingerprint = JSON.stringify({ ...JSON.parse(v1), templates: 'sha256:this-cli' });
    const run = runMigrations(parseAnswersText(v1WithFingerprint), ctx('0.2.0'));
    expect(readBase(run.doc).get('app/main.py')).toBe('x\n');
  });

  it('runs each named migration once and records it', () => {
    const seen: string[] = [];
    const m: Migration = {
      id: 'rename',
      summary: 's',
      run: (doc) => (seen.push('ran'), { doc: { ...doc, options: { ...doc.options, renamed: true } }, notes: [] }),
    };
    const first = runMigrations(parseAnswersText(v1), ctx('0.1.0'), [...MIGRATIONS, m]);
    expect(first.doc.migrations).toEqual(['answers-schema-2', 'examples-opt-in', 'rename']);
    const again = runMigrations(parseAnswersText(serializeAnswers(first.doc)), ctx('0.1.0'), [...MIGRATIONS, m]);
    expect(again.applied).toEqual([]);
    expect(seen).toEqual(['ran']);
  });

  it('reads an answers file from before --examples as what that project got: examples for FastAPI only', () => {
    const readOld = (options: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      parseAnswersText(JSON.stringify({ schemaVersion: 2, cliVersion: '0.1.0', options, ...extra })).options;
    expect(readOld({ serviceName: 's' }).examples).toBe(true); // FastAPI was the default framework
    expect(readOld({ serviceName: 's', framework: 'fastapi' }).examples).toBe(true);
    expect(readOld({ serviceName: 's', framework: 'flask' }).examples).toBe(false);
    expect(readOld({ serviceName: 's', framework: 'fastapi', examples: false }).examples).toBe(false);
    // add-tracing'd projects never had generated examples.
    expect(readOld({ serviceName: 's' }, { existing: { app: 'm:app', serverCommand: [] } })).not.toHaveProperty(
      'examples',
    );
    const run = runMigrations(parseAnswersText(v1), ctx('0.1.0'));
    expect(run.notes.join(' ')).toMatch(/worked examples .* kept/);
  });

  it('reads an answers file from before --signals as what that project exported: traces only', () => {
    expect(parseAnswersText(v1).options.signals).toEqual(['traces']);
    const traced = { app: 'm:app', serverCommand: [] };
    expect(parseAnswersText(JSON.stringify({ options: {}, existing: traced })).options.signals).toEqual(['traces']);
    const chosen = JSON.stringify({ schemaVersion: 2, options: { signals: ['traces', 'logs'] } });
    expect(parseAnswersText(chosen).options.signals).toEqual(['traces', 'logs']);
  });

  it('serializes in one key order', () => {
    const doc: AnswersDocument = {
      schemaVersion: 2,
      cliVersion: '1',
      options: {},
      migrations: [],
      files: {},
      base: { encoding: 'gzip+base64:json', data: '' },
    };
    expect(Object.keys(JSON.parse(serializeAnswers(doc)))).toEqual([
      'schemaVersion',
      'cliVersion',
      'options',
      'migrations',
      'files',
      'base',
    ]);
  });
});

describe('lines and Python', () => {
  it('picks the newest line the project’s Python supports', () => {
    expect(newestLineFor('3.11')).toBe('1.45');
    expect(newestLineFor('3.9')).toBe('1.39');
    expect(newerKnownLine('1.42', '3.12')).toBe('1.45');
    expect(newerKnownLine('1.45', '3.12')).toBeUndefined();
    expect(newerKnownLine('1.39', '3.9')).toBeUndefined();
  });

  it('reads the Python from requires-python, .python-version or the venv', () => {
    expect(pythonFromTexts({ pyproject: '[project]\nrequires-python = ">=3.11"\n' })).toBe('3.11');
    expect(pythonFromTexts({ pythonVersion: '3.9.18\n' })).toBe('3.9');
    expect(pythonFromTexts({ pyproject: '[tool.poetry.dependencies]\npython = "^3.9"\n' })).toBe('3.9');
    expect(pythonFromTexts({ pyvenv: 'home = /x\nversion = 3.12.1\n' })).toBe('3.12');
    expect(pythonFromTexts({})).toBeUndefined();
  });
});

describe('doctor findings', () => {
  it('reports unresolved markers as an error with their lines', () => {
    const [f] = conflictFindings(new Map([['app/main.py', 'a\n<<<<<<< yours\nb\n=======\nc\n>>>>>>> new\n']]));
    expect(f).toMatchObject({ severity: 'error', where: 'app/main.py:2' });
    expect(conflictFindings(new Map([['app/main.py', 'clean\n']]))).toEqual([]);
  });

  it('says when a newer matched set is known, and when PyPI has one newer still', () => {
    expect(newerSetFinding('1.42', '3.11')?.message).toMatch(/1\.45 is a newer matched set/);
    expect(newerSetFinding('1.45', '3.11')).toBeUndefined();
    expect(pypiFinding('1.99.0')).toMatchObject({ code: 'pypi-newer-set', severity: 'warning' });
    expect(pypiFinding('1.45.2').code).toBe('pypi-current');
    expect(pypiFinding(undefined, 'offline')).toMatchObject({ code: 'pypi-unreachable', severity: 'info' });
  });
});

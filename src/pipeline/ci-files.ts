/**
 * `--ci github|gitlab` (create, add-tracing): the CI job that keeps the telemetry proven. It installs
 * what the smoke test needs (Python and Node for a Python service, Node for a Node one), caches the npm and
 * uv downloads, and runs this very version of the CLI's `smoke` (pinned), which checks the telemetry
 * contract when telemetry-contract.json is committed; the checks show as a job summary and as JUnit tests.
 */
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { FileChange } from './changes.js';
import { readTextIfExistsSync } from '../core/read-file.js';

export type CiKind = 'github' | 'gitlab';
export const CI_KINDS: readonly CiKind[] = ['github', 'gitlab'];

/** --ci's value, checked before anything is written. */
export function ciKind(value: string | undefined): CiKind | undefined {
  if (value === undefined) return undefined;
  if ((CI_KINDS as readonly string[]).includes(value)) return value as CiKind;
  throw new UsageError(`--ci ${JSON.stringify(value)}: expected one of ${CI_KINDS.join(', ')}`);
}

export interface CiFile {
  path: string;
  content: string;
}

/** What a runtime's service needs on a CI runner before the smoke test, per CI (its runtime provides it). */
export interface CiSetup {
  /** Steps of the GitHub job, before Node is set up. */
  github: readonly string[];
  /** The GitLab job's before_script lines (on node:22-bookworm). */
  gitlab: readonly string[];
}

export interface CiSettings {
  setup: CiSetup;
  /** This CLI's version: the job runs exactly the smoke test the project was generated or wired with. */
  version: string;
}

/** The JUnit report both jobs write and publish. */
export const CI_JUNIT_FILE = 'telemetry-junit.xml';

export function smokeCommandLine(version: string): string {
  return `npx --yes create-traced-service@${version} smoke . --junit ${CI_JUNIT_FILE}`;
}

function github({ setup, version }: CiSettings): CiFile {
  const content = [
    '# The telemetry smoke test and contract (create-traced-service): the service is started against an',
    '# in-process OTLP receiver, real requests are sent, and what it emits is checked, against',
    '# telemetry-contract.json when it is committed (`smoke --record` writes it, `smoke --update` accepts',
    '# a change). The checks appear as the job summary and as JUnit tests in the uploaded artifact.',
    'name: telemetry',
    '',
    'on:',
    '  push:',
    '  pull_request:',
    '',
    'permissions:',
    '  contents: read',
    '',
    'jobs:',
    '  telemetry:',
    '    runs-on: ubuntu-latest',
    '    timeout-minutes: 20',
    '    steps:',
    '      - uses: actions/checkout@v4',
    ...setup.github.map((l) => `      ${l}`),
    '      - uses: actions/setup-node@v4',
    '        with:',
    '          node-version: "22"',
    '      - uses: actions/cache@v4',
    '        with:',
    '          path: |',
    '            ~/.npm',
    '            ~/.cache/uv',
    '            ~/.cache/create-traced-service',
    `          key: telemetry-\${{ runner.os }}-${version}-\${{ hashFiles('requirements*.txt', 'pyproject.toml', 'package-lock.json') }}`,
    `          restore-keys: telemetry-\${{ runner.os }}-${version}-`,
    '      - name: Smoke test and telemetry contract',
    `        run: ${smokeCommandLine(version)}`,
    '      - name: Upload the checks as JUnit',
    '        if: always()',
    '        uses: actions/upload-artifact@v4',
    '        with:',
    '          name: telemetry-junit',
    `          path: ${CI_JUNIT_FILE}`,
    '          if-no-files-found: ignore',
    '',
  ].join('\n');
  return { path: '.github/workflows/telemetry.yml', content };
}

function gitlab({ setup, version }: CiSettings): CiFile {
  const before = setup.gitlab.length > 0 ? ['  before_script:', ...setup.gitlab.map((l) => `    - ${l}`)] : [];
  const content = [
    '# The telemetry smoke test and contract (create-traced-service). Include it from .gitlab-ci.yml:',
    '#   include:',
    '#     - local: .gitlab/telemetry.yml',
    '# The checks appear as JUnit tests in the merge request and the pipeline.',
    'telemetry:',
    '  image: node:22-bookworm',
    '  variables:',
    '    npm_config_cache: "$CI_PROJECT_DIR/.cache/npm"',
    '    UV_CACHE_DIR: "$CI_PROJECT_DIR/.cache/uv"',
    '    XDG_CACHE_HOME: "$CI_PROJECT_DIR/.cache"',
    '  cache:',
    `    key: telemetry-${version}`,
    '    paths:',
    '      - .cache/',
    ...before,
    '  script:',
    `    - ${smokeCommandLine(version)}`,
    '  artifacts:',
    '    when: always',
    '    reports:',
    `      junit: ${CI_JUNIT_FILE}`,
    '',
  ].join('\n');
  return { path: '.gitlab/telemetry.yml', content };
}

export function ciFiles(kind: CiKind, settings: CiSettings): CiFile[] {
  return [kind === 'github' ? github(settings) : gitlab(settings)];
}

/** add-tracing: the CI file as a reviewed change (a modification when the project already has one). */
export function ciChanges(root: string, kind: CiKind, settings: CiSettings): FileChange[] {
  return ciFiles(kind, settings).flatMap((f) => {
    const file = path.join(root, f.path);
    const before = readTextIfExistsSync(file, { label: f.path, within: root }) ?? null;
    if (before === f.content) return [];
    const summary = [`${kind} CI job: the smoke test and telemetry contract`];
    return [{ path: f.path, before, after: f.content, summary }];
  });
}

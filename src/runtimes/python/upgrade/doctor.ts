/** What doctor says about upgrades: conflict markers left in tool-owned files, and newer matched sets. */
import path from 'node:path';
import type { Finding } from '../../../pipeline/findings.js';
import { ANSWERS_FILE } from '../../../core/paths.js';
import { AnswersShapeError, type AnswersDocument } from '../../../answers/document.js';
import { readAnswersFile } from '../../../answers/file.js';
import { knownLines, newerKnownLine } from './lines.js';
import { conflictMarkerLines } from '../../../upgrade/merge.js';
import { projectPython } from './interpreter.js';
import { readTextIfExistsSync } from '../../../core/read-file.js';

export const PYPI_SDK_URL = 'https://pypi.org/pypi/opentelemetry-sdk/json';

/** The files the tool owns in a project: every recorded file, plus add-tracing's telemetry module and pinned files. */
export function ownedPaths(doc: AnswersDocument): string[] {
  const paths = new Set(Object.keys(doc.files ?? {}));
  if (doc.existing?.telemetryModule) paths.add(doc.existing.telemetryModule);
  for (const p of doc.existing?.dependencyFiles ?? []) paths.add(p);
  return [...paths].sort();
}

export function conflictFindings(texts: Map<string, string>): Finding[] {
  const findings: Finding[] = [];
  for (const [file, text] of texts) {
    const lines = conflictMarkerLines(text);
    if (lines.length === 0) continue;
    findings.push({
      code: 'unresolved-conflict',
      severity: 'error',
      where: `${file}:${lines[0]}`,
      message: `unresolved conflict markers from an upgrade (lines ${lines.join(', ')})`,
      fix: 'keep what you want between <<<<<<< and >>>>>>>, delete the marker lines, then run doctor again',
    });
  }
  return findings;
}

export function newerSetFinding(current: string, python: string | undefined): Finding | undefined {
  const newer = newerKnownLine(current, python);
  if (!newer) return undefined;
  return {
    code: 'newer-matched-set',
    severity: 'warning',
    message:
      `OpenTelemetry ${newer} is a newer matched set than the project's ${current} ` +
      `(known to this CLI${python ? `, supports Python ${python}` : ''})`,
    fix: `run \`create-traced-service upgrade\` (--dry-run shows the plan first)`,
  };
}

/** Compares PyPI's newest opentelemetry-sdk with the newest line this CLI knows. */
export function pypiFinding(latest: string | undefined, error?: string): Finding {
  if (latest === undefined) {
    return {
      code: 'pypi-unreachable',
      severity: 'info',
      message:
        `could not ask PyPI for the newest OpenTelemetry release (${error ?? 'no answer'}); ` +
        'the offline check above still holds',
    };
  }
  const newestKnown = knownLines()[0]!;
  const line = latest.split('.').slice(0, 2).join('.');
  const minor = (v: string) => Number(v.split('.')[1]);
  if (minor(line) > minor(newestKnown)) {
    return {
      code: 'pypi-newer-set',
      severity: 'warning',
      message: `PyPI has opentelemetry-sdk ${latest}, newer than the newest set this CLI knows (${newestKnown})`,
      fix: 'update create-traced-service (npx create-traced-service@latest upgrade) for a verified matched set',
    };
  }
  return {
    code: 'pypi-current',
    severity: 'info',
    message: `PyPI's newest opentelemetry-sdk is ${latest}: no matched set newer than ${newestKnown} exists`,
  };
}

export async function latestSdkOnPypi(timeoutMs = 3000): Promise<{ version?: string; error?: string }> {
  try {
    const response = await fetch(PYPI_SDK_URL, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
    if (!response.ok) return { error: `HTTP ${response.status}` };
    const data = (await response.json()) as { info?: { version?: unknown } };
    return typeof data.info?.version === 'string'
      ? { version: data.info.version }
      : { error: 'no version in the answer' };
  } catch (error) {
    return {
      error: (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (error as Error).message,
    };
  }
}

/** Doctor's upgrade findings for a project with an answers file (none without one). */
export async function upgradeFindings(root: string, options: { checkPypi?: boolean }): Promise<Finding[]> {
  let doc: AnswersDocument;
  try {
    const answers = readAnswersFile(root);
    if (!answers) return [];
    doc = answers.doc;
  } catch (error) {
    if (error instanceof AnswersShapeError)
      return [{ code: 'answers-unreadable', severity: 'warning', where: ANSWERS_FILE, message: error.message }];
    throw error;
  }
  const texts = new Map<string, string>();
  for (const p of ownedPaths(doc)) {
    const file = path.join(root, p);
    const text = readTextIfExistsSync(file, { label: p, within: root });
    if (text !== undefined) texts.set(p, text);
  }
  const findings = conflictFindings(texts);
  const current = typeof doc.options.otelVersion === 'string' ? doc.options.otelVersion : undefined;
  const newer = current ? newerSetFinding(current, await projectPython(root)) : undefined;
  if (newer) findings.push(newer);
  if (options.checkPypi) {
    const latest = await latestSdkOnPypi();
    findings.push(pypiFinding(latest.version, latest.error));
  }
  return findings;
}

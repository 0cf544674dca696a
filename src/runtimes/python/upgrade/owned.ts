/**
 * The files an upgrade may change and what each becomes: for a generated project every rendered file (its
 * dependency files moved pin by pin), for an add-tracing'd one the telemetry module it wrote plus the
 * dependency files it pinned. The caller reads the user's files; this only renders and wires inputs.
 */
import { addTracingPackages, getFramework } from '../../../catalog/frameworks/index.js';
import type { ServiceOptions } from '../../../options/schema.js';
import { renderProject } from '../../../generate/plan.js';
import { frameworkLine, pythonTemplates } from '../templates.js';
import type { ExistingAnswers } from '../../../answers/document.js';
import { corePackages } from '../../../catalog/python-sets.js';
import { declaredPins, isDependencyFile, retargetExisting, retargetGenerated } from './deps.js';
import type { Retargeted } from '../../../upgrade/plan.js';
import type { FileInput } from '../../../upgrade/plan.js';
import type { OwnedRecord } from '../../../upgrade/project.js';

export interface Rendered {
  path: string;
  content: string;
}

export type RenderTelemetry = (
  options: ServiceOptions,
  placement: { path: string; importLine: string; module: string },
  appModule: string,
) => string;

/** Module name of a file below the project (or below its import root, e.g. src/). */
function moduleOf(relPath: string, appDir: string | undefined): string {
  const rel = appDir && relPath.startsWith(`${appDir}/`) ? relPath.slice(appDir.length + 1) : relPath;
  return rel
    .replace(/\.py$/, '')
    .replace(/\/__init__$/, '')
    .split('/')
    .join('.');
}

/** What the tool renders for `options`: the whole project, or an add-tracing'd project's telemetry module. */
export function renderOwned(
  options: ServiceOptions,
  existing: ExistingAnswers | undefined,
  renderTelemetry: RenderTelemetry,
): Rendered[] {
  if (!existing) return renderProject(options, pythonTemplates).map((f) => ({ path: f.path, content: f.content }));
  if (!existing.telemetryModule) return [];
  const placement = {
    path: existing.telemetryModule,
    importLine: '',
    module: moduleOf(existing.telemetryModule, existing.appDir),
  };
  return [
    { path: existing.telemetryModule, content: renderTelemetry(options, placement, existing.app.split(':')[0]!) },
  ];
}

/**
 * One FileInput per file. `ours` reads the user's file (null when absent); `base`/`hashes` are the record;
 * `recordedAll` says an answers file without a record counts every rendered file as written by the tool.
 */
export function ownedInputs(
  args: OwnedRecord & {
    newOptions: ServiceOptions;
    oldOptions: ServiceOptions;
    existing: ExistingAnswers | undefined;
    renderTelemetry: RenderTelemetry;
    /** The wiring the project's telemetry module has (FastAPI's own instrumentation needs no contrib package). */
    wiring?: { nativeTelemetry?: boolean };
  },
): FileInput[] {
  const { newOptions, existing, ours, base, hashes, recordedAll } = args;
  const theirs = renderOwned(newOptions, existing, args.renderTelemetry);
  const inputs: FileInput[] = [];
  let oldRender: Map<string, string> | undefined;
  const oldText = (p: string) => {
    oldRender ??= new Map(renderOwned(args.oldOptions, existing, args.renderTelemetry).map((f) => [f.path, f.content]));
    return oldRender.get(p);
  };
  for (const file of theirs) {
    const input: FileInput = {
      path: file.path,
      ours: ours(file.path),
      theirs: file.content,
      recorded: recordedAll || hashes[file.path] !== undefined,
      ...(base.has(file.path) ? { base: base.get(file.path)! } : {}),
      ...(hashes[file.path] ? { recordedHash: hashes[file.path]! } : {}),
    };
    if (isDependencyFile(file.path)) {
      // The pins the tool wrote: from the base, else from what this CLI renders for the recorded options.
      const basePins = declaredPins(file.path, input.base ?? oldText(file.path) ?? '');
      const newPins = declaredPins(file.path, file.content);
      input.retarget = (text: string) => retargetGenerated(file.path, text, basePins, newPins);
    }
    inputs.push(input);
  }
  if (existing) {
    // The project's own dependency files: the matched set moved in place, nothing else touched.
    const texts = new Map<string, string>();
    for (const p of existing.dependencyFiles ?? []) {
      const text = ours(p);
      if (text !== null) texts.set(p, text);
    }
    const line = frameworkLine(newOptions);
    const framework = getFramework(newOptions.framework);
    const moved = retargetExisting(
      texts,
      [...corePackages(line, newOptions.exporter), ...addTracingPackages(framework, line, args.wiring)],
      framework.detectDistributions ?? [],
      line,
    );
    for (const [p, r] of moved) inputs.push(dependencyOnly(p, texts.get(p)!, r));
  }
  return inputs;
}

/** A user's dependency file with only pins to move: "theirs" is the user's file with the pins moved. */
function dependencyOnly(relPath: string, text: string, moved: Retargeted): FileInput {
  return {
    path: relPath,
    ours: text,
    theirs: moved.text,
    base: text,
    recorded: false,
    retarget: () => moved,
    noRecord: true,
  };
}

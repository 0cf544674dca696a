/**
 * The order in which a Node module loads its dependencies, as far as it decides whether the SDK starts
 * before the framework: static imports run first, in order (ESM hoists them above any code), then the
 * module's body (require() and import() at its top level, in order). Read with the parser in
 * ../existing/scan.ts, the same reading add-tracing uses.
 */
import { scanModuleCached } from '../existing/scan.js';
import { parseStartScript } from '../existing/start-command.js';
import type { SourceFile } from './view.js';

export interface LoadedModule {
  specifier: string;
  line: number;
  /** Static import (hoisted in ESM) or a call in the module's body. */
  how: 'import' | 'call';
}

/** Modules a source loads when it is evaluated, in that order (type-only imports load nothing). */
export function loadedModules(source: SourceFile): LoadedModule[] {
  const loads = scanModuleCached(source.text, source.path).loads.filter((l) => !l.typeOnly && l.topLevel);
  const as = (how: LoadedModule['how']) => (l: (typeof loads)[number]) => ({ specifier: l.source, line: l.line, how });
  return [
    ...loads.filter((l) => l.kind === 'import').map(as('import')),
    ...loads.filter((l) => l.kind !== 'import').map(as('call')),
  ];
}

/** Packages whose loading starts (or is) an OpenTelemetry SDK. */
export const SDK_MODULES = [
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/auto-instrumentations-node/register',
];

const FRAMEWORK_MODULES = ['express', 'fastify'];

/** The local module a relative specifier names: ./telemetry.js -> src/telemetry.ts and the like. */
export function localSource(from: SourceFile, specifier: string, sources: SourceFile[]): SourceFile | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const dir = from.path.includes('/') ? from.path.slice(0, from.path.lastIndexOf('/')) : '';
  const parts = [...(dir ? dir.split('/') : []), ...specifier.split('/')];
  const out: string[] = [];
  for (const p of parts) {
    if (p === '..') out.pop();
    else if (p !== '.' && p !== '') out.push(p);
  }
  const base = out.join('/').replace(/\.(?:[cm]?js|[cm]?ts)$/, '');
  return sources.find((s) => s.path.replace(/\.(?:[cm]?js|[cm]?ts)$/, '') === base);
}

/** Whether loading this module starts the SDK: it imports one of SDK_MODULES itself. */
export function startsSdk(source: SourceFile | undefined): boolean {
  if (!source) return false;
  return loadedModules(source).some((m) => SDK_MODULES.some((sdk) => m.specifier === sdk));
}

export interface EntryOrder {
  /** The first module that starts the SDK, as loaded by the entry. */
  sdk?: LoadedModule;
  /** The first framework module the entry loads. */
  framework?: LoadedModule;
}

/** Where, in the entry's load order, the SDK and the framework come. */
export function entryOrder(entry: SourceFile, sources: SourceFile[]): EntryOrder {
  const order = loadedModules(entry);
  const sdk = order.find(
    (m) => SDK_MODULES.includes(m.specifier) || startsSdk(localSource(entry, m.specifier, sources)),
  );
  const framework = order.find((m) => FRAMEWORK_MODULES.includes(m.specifier));
  return { ...(sdk ? { sdk } : {}), ...(framework ? { framework } : {}) };
}

/** The module a start script preloads with --import/--require/-r (or NODE_OPTIONS), if any. */
export function preloadOf(script: string): string | undefined {
  return parseStartScript(script).command?.preloads[0]?.value;
}

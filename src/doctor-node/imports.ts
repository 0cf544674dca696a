/**
 * The order in which a Node entry module loads its dependencies, as far as it decides whether the SDK starts
 * before the framework: static imports run first, in order (ESM hoists them above any code), then the
 * module's body (require() and dynamic import(), in order).
 */
import type { SourceFile } from './project.js';

export interface LoadedModule {
  specifier: string;
  line: number;
  /** Static import (hoisted in ESM) or a call in the module's body. */
  how: 'import' | 'call';
}

const STATIC_IMPORT = /^\s*import\s+(?:[^'"]*?\s+from\s+)?['"]([^'"]+)['"]/;
const STATIC_REEXPORT = /^\s*export\s+[^'"]*?\s+from\s+['"]([^'"]+)['"]/;
const CALL = /\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Modules the entry loads, in the order they are evaluated. Multi-line import lists end on the `from` line. */
export function loadOrder(source: SourceFile): LoadedModule[] {
  const statics: LoadedModule[] = [];
  const calls: LoadedModule[] = [];
  const lines = source.text.split('\n');
  let openImport = 0;
  lines.forEach((text, i) => {
    const trimmed = text.trim();
    if (trimmed.startsWith('//') || trimmed.startsWith('*') || trimmed.startsWith('/*')) return;
    if (openImport) {
      const end = /from\s+['"]([^'"]+)['"]/.exec(text);
      if (end) {
        statics.push({ specifier: end[1]!, line: openImport, how: 'import' });
        openImport = 0;
      }
      return;
    }
    const m = STATIC_IMPORT.exec(text) ?? STATIC_REEXPORT.exec(text);
    if (m) {
      statics.push({ specifier: m[1]!, line: i + 1, how: 'import' });
      return;
    }
    if (/^\s*import\s+(?:type\s+)?\{[^}]*$/.test(text) || /^\s*import\s+\S+\s*,\s*\{[^}]*$/.test(text)) {
      openImport = i + 1;
      return;
    }
    for (const call of text.matchAll(CALL)) calls.push({ specifier: call[1]!, line: i + 1, how: 'call' });
  });
  return [...statics, ...calls];
}

/** Packages whose loading starts (or is) an OpenTelemetry SDK. */
export const SDK_MODULES = [
  '@opentelemetry/sdk-node',
  '@opentelemetry/sdk-trace-node',
  '@opentelemetry/auto-instrumentations-node/register',
];

const FRAMEWORKS = ['express', 'fastify'];

/** The local module a relative specifier names: ./telemetry.js -> src/telemetry.ts and the like. */
export function resolveLocal(from: SourceFile, specifier: string, sources: SourceFile[]): SourceFile | undefined {
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
  return loadOrder(source).some((m) => SDK_MODULES.some((sdk) => m.specifier === sdk));
}

export interface EntryOrder {
  /** The first module that starts the SDK, as loaded by the entry. */
  sdk?: LoadedModule;
  /** The first framework module the entry loads. */
  framework?: LoadedModule;
}

/** Where, in the entry's load order, the SDK and the framework come. */
export function entryOrder(entry: SourceFile, sources: SourceFile[]): EntryOrder {
  const order = loadOrder(entry);
  const sdk = order.find(
    (m) => SDK_MODULES.includes(m.specifier) || startsSdk(resolveLocal(entry, m.specifier, sources)),
  );
  const framework = order.find((m) => FRAMEWORKS.includes(m.specifier));
  return { ...(sdk ? { sdk } : {}), ...(framework ? { framework } : {}) };
}

/** The module a start script preloads with --import/--require/-r (or NODE_OPTIONS), if any. */
export function preloadOf(script: string): string | undefined {
  const m = /(?:^|\s)(?:--import|--require|-r)(?:\s+|=)['"]?([^\s'"]+)/.exec(script);
  return m?.[1];
}

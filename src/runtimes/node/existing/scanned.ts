/** What reading one module found: its loads, the apps it builds, its routes and its OpenTelemetry uses. */
export type LoadKind = 'import' | 'require' | 'dynamic';

export interface ModuleLoad {
  source: string;
  line: number;
  kind: LoadKind;
  /** `import type` (erased by the compiler: loads nothing). */
  typeOnly: boolean;
  /** Top-level statement (runs when the module is evaluated), not inside a function. */
  topLevel: boolean;
}

export type OtelUse =
  | { kind: 'sdk'; line: number; what: string }
  | { kind: 'simple-processor'; line: number; exporter: string | null; network: boolean }
  | { kind: 'flush'; line: number; method: 'shutdown' | 'forceFlush' }
  /** process.on('SIGTERM', ...), or a library that registers one (`via`: @godaddy/terminus ...). */
  | { kind: 'signal-handler'; line: number; signal: string; via?: string }
  /** new FastifyOtelInstrumentation(...): registered on every instance, or by app.register(x.plugin()). */
  | { kind: 'fastify-otel'; line: number; registerOnInitialization: boolean }
  | { kind: 'fastify-otel-plugin'; line: number }
  /** subscribe('fastify.initialization', ...): a hook on every Fastify instance, such as the one that records the route. */
  | { kind: 'fastify-init-hook'; line: number };

export interface ScannedModule {
  loads: ModuleLoad[];
  /** `express()` / `Fastify()` calls, with the variable they are assigned to. */
  apps: { framework: 'express' | 'fastify'; line: number; variable?: string }[];
  /** `x.get('/path', ...)` calls: GET routes by receiver. */
  routes: { receiver: string; path: string; line: number }[];
  /** Reads process.env.PORT (the port the smoke test gives it). */
  readsPort: boolean;
  /** 'SIGTERM' appears as a string: a handler whose signal is a variable may be for it. */
  namesSigterm: boolean;
  otel: OtelUse[];
  /** ESM syntax (import/export) is present. */
  esm: boolean;
  /** The first syntax error; `unreadable` when the parser gave up (nothing of the module was read). */
  syntaxError?: { line: number; message: string; unreadable?: true };
  /** Marks of a bundler's output: monkey-patching cannot reach modules inlined into it. */
  bundler?: string;
}

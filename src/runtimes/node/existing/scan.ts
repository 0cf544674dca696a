/**
 * One JavaScript or TypeScript module read with a real parser (@babel/parser: ESM and CommonJS, JS and
 * TS): what it loads and in which order, where it builds an Express or Fastify app, and what it does with
 * OpenTelemetry. Nothing is executed.
 */
import { parse, type ParserPlugin } from '@babel/parser';
import type { Node } from '@babel/types';

import type { ScannedModule } from './scanned.js';

export type { LoadKind, ModuleLoad, OtelUse, ScannedModule } from './scanned.js';

const FRAMEWORK_MODULES: Record<string, 'express' | 'fastify'> = { express: 'express', fastify: 'fastify' };
/** The diagnostics channel on which Fastify announces each instance it creates. */
const FASTIFY_INIT_CHANNEL = 'fastify.initialization';
/** Graceful-shutdown libraries whose setup call registers SIGTERM handlers of their own. */
const SIGNAL_LIBRARIES = new Set(['@godaddy/terminus', 'http-graceful-shutdown', 'close-with-grace', 'lightship']);
const NETWORK_EXPORTER = /OTLP|Zipkin|Jaeger/;
const SDK_CONSTRUCTORS = new Set(['NodeSDK', 'NodeTracerProvider']);

export function parserPlugins(file: string): ParserPlugin[] {
  if (/\.[cm]?tsx$/.test(file)) return ['typescript', 'jsx'];
  if (/\.[cm]?ts$/.test(file)) return ['typescript'];
  return ['jsx'];
}

/** A parse that recovers from most syntax errors (reported with their line); it throws on the rest. */
export function parseModule(text: string, file: string) {
  return parse(text, {
    sourceType: 'unambiguous',
    plugins: parserPlugins(file),
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: true,
    allowImportExportEverywhere: true,
    errorRecovery: true,
  });
}

function stringArg(node: Node | undefined): string | undefined {
  if (!node) return undefined;
  if (node.type === 'StringLiteral') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0)
    return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

function calleeName(node: Node): string | undefined {
  if (node.type === 'Identifier') return node.name;
  if (node.type === 'MemberExpression' && node.property.type === 'Identifier') return node.property.name;
  return undefined;
}

/** Every child node, in source order. */
function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const key of Object.keys(node) as (keyof Node)[]) {
    if (key === 'leadingComments' || key === 'trailingComments' || key === 'innerComments' || key === 'loc') continue;
    const value = node[key] as unknown;
    if (Array.isArray(value)) {
      for (const v of value)
        if (v && typeof v === 'object' && typeof (v as Node).type === 'string') out.push(v as Node);
    } else if (value && typeof value === 'object' && typeof (value as Node).type === 'string') out.push(value as Node);
  }
  return out.sort((a, b) => (a.start ?? 0) - (b.start ?? 0));
}

const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
  'ObjectMethod',
  'ClassMethod',
  'ClassPrivateMethod',
]);

/** What a scan collects, and the names it tracks on the way. */
interface Scanner {
  out: ScannedModule;
  /** `const exporter = new OTLPTraceExporter()`: the constructor behind a name passed to a processor. */
  constructed: Map<string, string>;
  /** Local names bound to the framework's export: `import express from 'express'`, `require('fastify')`. */
  frameworkNames: Map<string, 'express' | 'fastify'>;
  /** Local names bound to a graceful-shutdown library's exports, by package. */
  signalLibraryNames: Map<string, string>;
}

const lineOf = (n: Node) => n.loc?.start.line ?? 0;
type NodeOf<T extends Node['type']> = Extract<Node, { type: T }>;

function scanImport(node: NodeOf<'ImportDeclaration'>, { out, frameworkNames, signalLibraryNames }: Scanner): void {
  out.esm = true;
  const typeOnly = node.importKind === 'type';
  out.loads.push({ source: node.source.value, line: lineOf(node), kind: 'import', typeOnly, topLevel: true });
  if (SIGNAL_LIBRARIES.has(node.source.value) && !typeOnly)
    for (const s of node.specifiers) signalLibraryNames.set(s.local.name, node.source.value);
  const fw = FRAMEWORK_MODULES[node.source.value];
  if (!fw || typeOnly) return;
  for (const s of node.specifiers) {
    if (s.type === 'ImportDefaultSpecifier' || s.type === 'ImportNamespaceSpecifier')
      frameworkNames.set(s.local.name, fw);
    else if (s.type === 'ImportSpecifier') {
      const imported = s.imported.type === 'Identifier' ? s.imported.name : s.imported.value;
      if (imported === 'default' || imported === 'fastify') frameworkNames.set(s.local.name, fw);
    }
  }
}

/** `const x = new Y()` and `const express = require('express')` (or a destructured require). */
function scanDeclarator(
  node: NodeOf<'VariableDeclarator'>,
  { constructed, frameworkNames, signalLibraryNames }: Scanner,
): void {
  const init = node.init;
  if (init?.type === 'NewExpression' && node.id.type === 'Identifier') {
    const ctor = calleeName(init.callee);
    if (ctor) constructed.set(node.id.name, ctor);
  }
  if (init?.type !== 'CallExpression' || init.callee.type !== 'Identifier' || init.callee.name !== 'require') return;
  const required = stringArg(init.arguments[0] as Node) ?? '';
  if (SIGNAL_LIBRARIES.has(required)) {
    if (node.id.type === 'Identifier') signalLibraryNames.set(node.id.name, required);
    if (node.id.type === 'ObjectPattern')
      for (const p of node.id.properties)
        if (p.type === 'ObjectProperty' && p.value.type === 'Identifier')
          signalLibraryNames.set(p.value.name, required);
  }
  const fw = FRAMEWORK_MODULES[required];
  if (!fw) return;
  if (node.id.type === 'Identifier') frameworkNames.set(node.id.name, fw);
  if (node.id.type === 'ObjectPattern') {
    for (const p of node.id.properties) {
      if (p.type === 'ObjectProperty' && p.value.type === 'Identifier') frameworkNames.set(p.value.name, fw);
    }
  }
}

/** process.env.PORT or process.env['PORT']. */
function readsEnvPort(node: NodeOf<'MemberExpression'>): boolean {
  return (
    node.object.type === 'MemberExpression' &&
    node.object.object.type === 'Identifier' &&
    node.object.object.name === 'process' &&
    node.object.property.type === 'Identifier' &&
    node.object.property.name === 'env' &&
    ((node.property.type === 'Identifier' && node.property.name === 'PORT') || stringArg(node.property) === 'PORT')
  );
}

/** new NodeSDK(), new FastifyOtelInstrumentation({...}), new SimpleSpanProcessor(exporter). */
function scanNew(node: NodeOf<'NewExpression'>, { out, constructed }: Scanner): void {
  const name = calleeName(node.callee);
  const line = lineOf(node);
  const arg = node.arguments[0] as Node | undefined;
  if (name && SDK_CONSTRUCTORS.has(name)) out.otel.push({ kind: 'sdk', line, what: `new ${name}()` });
  if (name === 'FastifyOtelInstrumentation') {
    const registers =
      arg?.type === 'ObjectExpression' &&
      arg.properties.some(
        (p) =>
          p.type === 'ObjectProperty' &&
          p.key.type === 'Identifier' &&
          p.key.name === 'registerOnInitialization' &&
          p.value.type === 'BooleanLiteral' &&
          p.value.value,
      );
    out.otel.push({ kind: 'fastify-otel', line, registerOnInitialization: Boolean(registers) });
  }
  if (name === 'SimpleSpanProcessor') {
    const exporter =
      arg?.type === 'NewExpression'
        ? (calleeName(arg.callee) ?? null)
        : arg?.type === 'Identifier'
          ? (constructed.get(arg.name) ?? null)
          : null;
    out.otel.push({
      kind: 'simple-processor',
      line,
      exporter,
      network: exporter !== null && NETWORK_EXPORTER.test(exporter),
    });
  }
}

const cache = new Map<string, ScannedModule>();

/** scanModule, once per file content: doctor's rules and add-tracing read the same modules. */
export function scanModuleCached(text: string, file: string): ScannedModule {
  const key = `${file}\0${text}`;
  let scanned = cache.get(key);
  if (!scanned) {
    scanned = scanModule(text, file);
    if (cache.size > 2000) cache.clear();
    cache.set(key, scanned);
  }
  return scanned;
}

export function scanModule(text: string, file: string): ScannedModule {
  const out: ScannedModule = {
    loads: [],
    apps: [],
    routes: [],
    readsPort: false,
    namesSigterm: false,
    otel: [],
    esm: false,
  };
  const ast = parseForScan(text, file, out);
  if (!ast) return out;
  if (/\b__webpack_require__\b/.test(text)) out.bundler = 'webpack';
  else if (/^\/\/ node_modules\/(express|fastify)\//m.test(text)) out.bundler = 'esbuild';
  const ctx: Scanner = { out, constructed: new Map(), frameworkNames: new Map(), signalLibraryNames: new Map() };
  visit(ast.program, ctx, false);
  // `import 'x'` loads count as SDK starts when they are the zero-code register entry point.
  for (const l of out.loads) {
    if (l.source === '@opentelemetry/auto-instrumentations-node/register')
      out.otel.push({ kind: 'sdk', line: l.line, what: `import of ${l.source}` });
  }
  out.otel.sort((a, b) => a.line - b.line);
  return out;
}

/** The module's syntax tree, with the first recovered error noted; none when it cannot be read at all. */
function parseForScan(text: string, file: string, out: ScannedModule): ReturnType<typeof parseModule> | undefined {
  let ast: ReturnType<typeof parseModule>;
  try {
    ast = parseModule(text, file);
  } catch (error) {
    // Error recovery has limits (JSON text in a .js file, a template): the module is a note, not a crash.
    const e = error as { loc?: { line: number }; message: string };
    out.syntaxError = { line: e.loc?.line ?? 0, message: e.message, unreadable: true };
    return undefined;
  }
  const errors = (ast as unknown as { errors?: { loc?: { line: number }; reasonCode?: string; message: string }[] })
    .errors;
  if (errors && errors.length > 0) out.syntaxError = { line: errors[0]!.loc?.line ?? 0, message: errors[0]!.message };
  return ast;
}

/** One node of the tree, then its children; `inFunction`: below a function body (a load there is not top-level). */
function visit(node: Node, ctx: Scanner, inFunction: boolean, parent?: Node): void {
  const { out } = ctx;
  switch (node.type) {
    case 'ImportDeclaration':
      scanImport(node, ctx);
      return;
    case 'ExportNamedDeclaration':
    case 'ExportAllDeclaration':
    case 'ExportDefaultDeclaration':
      out.esm = true;
      if (node.type !== 'ExportDefaultDeclaration' && node.source) {
        out.loads.push({
          source: node.source.value,
          line: lineOf(node),
          kind: 'import',
          typeOnly: node.exportKind === 'type',
          topLevel: true,
        });
      }
      break;
    case 'VariableDeclarator':
      scanDeclarator(node, ctx);
      break;
    case 'StringLiteral':
      if (node.value === 'SIGTERM') out.namesSigterm = true;
      break;
    case 'MemberExpression':
      if (readsEnvPort(node)) out.readsPort = true;
      break;
    case 'ImportExpression': {
      const source = stringArg(node.source);
      if (source)
        out.loads.push({ source, line: lineOf(node), kind: 'dynamic', typeOnly: false, topLevel: !inFunction });
      break;
    }
    case 'CallExpression':
      visitCall(node, ctx, inFunction, parent);
      break;
    case 'NewExpression':
      scanNew(node, ctx);
      break;
    default:
      break;
  }
  const fn = inFunction || FUNCTION_TYPES.has(node.type);
  for (const child of children(node)) visit(child, ctx, fn, node);
}

/** A call: require()/import() loads, an app built by a framework call, a shutdown library set up. */
function visitCall(node: NodeOf<'CallExpression'>, ctx: Scanner, inFunction: boolean, parent?: Node): void {
  const { out } = ctx;
  const callee = node.callee;
  const kind =
    callee.type === 'Identifier' && callee.name === 'require'
      ? 'require'
      : callee.type === 'Import'
        ? 'dynamic'
        : undefined;
  const source = kind ? stringArg(node.arguments[0] as Node) : undefined;
  if (kind && source) out.loads.push({ source, line: lineOf(node), kind, typeOnly: false, topLevel: !inFunction });
  const before = out.apps.length;
  scanCall(node, out, ctx.frameworkNames, lineOf(node));
  scanSignalLibraryCall(node, ctx);
  if (out.apps.length > before && parent?.type === 'VariableDeclarator' && parent.id.type === 'Identifier')
    out.apps.at(-1)!.variable = parent.id.name;
}

/** createTerminus(server, ...), gracefulShutdown(server), closeWithGrace(...), createLightship(): a handler. */
function scanSignalLibraryCall(node: NodeOf<'CallExpression'>, { out, signalLibraryNames }: Scanner): void {
  const callee = node.callee;
  const local =
    callee.type === 'Identifier'
      ? callee.name
      : callee.type === 'MemberExpression' && callee.object.type === 'Identifier'
        ? callee.object.name
        : undefined;
  const via = local === undefined ? undefined : signalLibraryNames.get(local);
  if (via) out.otel.push({ kind: 'signal-handler', line: lineOf(node), signal: 'SIGTERM', via });
}

function scanCall(
  node: Extract<Node, { type: 'CallExpression' }>,
  out: ScannedModule,
  frameworkNames: Map<string, 'express' | 'fastify'>,
  line: number,
): void {
  const callee = node.callee;
  // express(), Fastify(), fastify.fastify(), require('express')()
  if (callee.type === 'Identifier' && frameworkNames.has(callee.name)) {
    out.apps.push({ framework: frameworkNames.get(callee.name)!, line });
  } else if (
    callee.type === 'MemberExpression' &&
    callee.object.type === 'Identifier' &&
    frameworkNames.get(callee.object.name) === 'fastify' &&
    callee.property.type === 'Identifier' &&
    (callee.property.name === 'fastify' || callee.property.name === 'default')
  ) {
    out.apps.push({ framework: 'fastify', line });
  } else if (
    callee.type === 'CallExpression' &&
    callee.callee.type === 'Identifier' &&
    callee.callee.name === 'require' &&
    FRAMEWORK_MODULES[stringArg(callee.arguments[0] as Node) ?? '']
  ) {
    out.apps.push({ framework: FRAMEWORK_MODULES[stringArg(callee.arguments[0] as Node)!]!, line });
  }
  const name = calleeName(callee);
  if (callee.type === 'MemberExpression' && callee.object.type === 'Identifier' && name === 'get') {
    const route = stringArg(node.arguments[0] as Node);
    if (route?.startsWith('/') && node.arguments.length >= 2)
      out.routes.push({ receiver: callee.object.name, path: route, line });
  }
  if (callee.type === 'MemberExpression' && name === 'plugin' && node.arguments.length === 0)
    out.otel.push({ kind: 'fastify-otel-plugin', line });
  if ((name === 'subscribe' || name === 'channel') && stringArg(node.arguments[0] as Node) === FASTIFY_INIT_CHANNEL)
    out.otel.push({ kind: 'fastify-init-hook', line });
  if (name === 'registerInstrumentations') out.otel.push({ kind: 'sdk', line, what: 'registerInstrumentations()' });
  if (callee.type === 'MemberExpression' && (name === 'shutdown' || name === 'forceFlush'))
    out.otel.push({ kind: 'flush', line, method: name });
  // process.on('SIGTERM', ...) / process.once(...)
  if (
    callee.type === 'MemberExpression' &&
    callee.object.type === 'Identifier' &&
    callee.object.name === 'process' &&
    (name === 'on' || name === 'once' || name === 'addListener')
  ) {
    const first = node.arguments[0] as Node | undefined;
    const signal = stringArg(first);
    if (signal === 'SIGTERM' || signal === 'SIGINT') out.otel.push({ kind: 'signal-handler', line, signal });
    // process.once(signal, ...) in a loop over ['SIGTERM', 'SIGINT']: the literals are counted below.
    else if (first?.type === 'Identifier') out.otel.push({ kind: 'signal-handler', line, signal: '?' });
  }
}

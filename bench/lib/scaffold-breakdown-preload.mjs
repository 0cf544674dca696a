/**
 * Preload of the scaffold breakdown (`node --import <this> <instrumented bin> ...`): the clock that the
 * instrumented bundle's marks (lib/scaffold-breakdown.mjs) report to. Every moment of the run is charged to
 * the label on top of a stack: a module region of the bundle, a wrapped function, a built-in module or a
 * data file being loaded; so the parts add up to the run. Written as JSON to $BENCH_BREAKDOWN at 'exit'.
 */
import Module from 'node:module';
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_BREAKDOWN;
const now = () => {
  const [s, ns] = process.hrtime();
  return s * 1e3 + ns / 1e6;
};

const startupMs = process.uptime() * 1000;
const totals = new Map();
/** Frames: { label, region } — a region frame is replaced by the next region mark of its chunk. */
const stack = [{ label: 'load: bin, cli.js and the core chunk (read, compile, link)' }];
let last = now();

/** Charges the time since the last event to the label on top. */
function tick() {
  const t = now();
  const top = stack[stack.length - 1];
  totals.set(top.label, (totals.get(top.label) ?? 0) + (t - last));
  last = t;
}

function push(label, region = false) {
  tick();
  const frame = { label, region };
  stack.push(frame);
  return frame;
}

function pop(frame) {
  tick();
  const i = stack.lastIndexOf(frame);
  if (i > 0) stack.splice(i, 1);
}

/** Runs `fn` under `label`; a promise it returns keeps the label until it settles. */
function under(label, fn, self, args) {
  const frame = push(label);
  let result;
  try {
    result = fn.apply(self, args);
  } catch (error) {
    pop(frame);
    throw error;
  }
  if (result && typeof result.then === 'function') {
    return result.then(
      (v) => (pop(frame), v),
      (e) => {
        pop(frame);
        throw e;
      },
    );
  }
  pop(frame);
  return result;
}

globalThis.__cts = {
  /** A module region of a chunk starts: it replaces the region before it. */
  region(name) {
    tick();
    if (stack[stack.length - 1].region) stack.pop();
    stack.push({ label: `module ${name}`, region: true });
  },
  /** The chunk's body ended: no region of it runs any more. */
  regionEnd() {
    tick();
    if (stack[stack.length - 1].region) stack.pop();
  },
  call: (label, fn, self, args) => under(label, fn, self, args),
  /** A CommonJS module of the bundle: its body runs when first required, under its region's name. */
  cjs: (commonJSMin, name, cb, mod) =>
    commonJSMin(function (...args) {
      return under(`module ${name}`, cb, this, args);
    }, mod),
  /** The base of the stack, once the run moved on (main returned). */
  base(label) {
    tick();
    stack[0] = { label };
  },
};

// Built-in modules (process.getBuiltinModule, require), the bundle's .cjs files and the template data files.
const getBuiltin = process.getBuiltinModule;
const loaded = () => process.moduleLoadList.length;
process.getBuiltinModule = function (id) {
  const before = loaded();
  const frame = push(`built-in ${id.startsWith('node:') ? id : `node:${id}`}`);
  try {
    return getBuiltin.call(this, id);
  } finally {
    // A module already loaded costs nothing: its frame's time is noise, kept under the same label.
    if (loaded() === before) frame.label = 'built-in (already loaded)';
    pop(frame);
  }
};
const load = Module._load;
Module._load = function (request, ...rest) {
  const builtin = Module.isBuiltin(request);
  const before = loaded();
  const frame = push(
    builtin
      ? `built-in ${request.startsWith('node:') ? request : `node:${request}`}`
      : /(^|[\\/])templates-[\w-]+\.cjs$/.test(request)
        ? 'load: .cjs data'
        : 'load: bundle file (read, compile)',
  );
  try {
    return load.call(this, request, ...rest);
  } finally {
    if (builtin && loaded() === before) frame.label = 'built-in (already loaded)';
    pop(frame);
  }
};

if (file) {
  process.on('exit', () => {
    tick();
    const exitAt = process.hrtime.bigint();
    writeFileSync(
      file,
      JSON.stringify({
        startupMs,
        runMs: process.uptime() * 1000 - startupMs,
        exitAt: String(exitAt),
        totals: Object.fromEntries(totals),
      }),
    );
  });
}

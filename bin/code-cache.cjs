// Loads the CommonJS bundle in dist/ with a V8 code cache made at exit, so later runs skip compiling it.
'use strict';
/*
 * Why not Node's own compile cache (module.enableCompileCache): it stores the code V8 has right after
 * compiling a file, before it runs, and V8 compiles most functions lazily, at their first call; so every run
 * compiled commander, zod, handlebars and our own functions again. Here the cache of each file is made when
 * the process exits (vm.Script#createCachedData), holding every function the run compiled.
 *
 * A cache file is named by the file's name and content hash, under a directory per Node version and
 * architecture, in os.tmpdir() beside Node's node-compile-cache (so an empty TMPDIR is a cold start). V8
 * rejects data made by another V8 or with other flags; a rejected or unreadable cache only costs the compile
 * it would have saved, and is replaced at exit. Files are written whole (temporary file, then rename), so an
 * interrupted run leaves no partial cache behind.
 */
const Module = require('node:module');
const vm = require('node:vm');
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const crypto = require('node:crypto');

/** The cache's folder under os.tmpdir(): kept between runs, as Node's own node-compile-cache is. */
const CACHE_DIR_NAME = 'create-traced-service-code-cache';

/** How each file was compiled in this process (for tests): 'accepted', 'rejected' or 'none' (no cache yet). */
const loads = [];

/**
 * The cache directory, made if missing; undefined unless it and its parent are directories of this user
 * that no one else can write to: cached data is code that runs, and os.tmpdir() may be shared.
 */
function cacheDirectory() {
  const base = path.join(os.tmpdir(), CACHE_DIR_NAME);
  const dir = path.join(base, `${process.version}-${process.arch}`);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    return [base, dir].every(isPrivateDirectory) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function isPrivateDirectory(dir) {
  const stat = fs.lstatSync(dir);
  const mine = typeof process.getuid !== 'function' || stat.uid === process.getuid();
  return stat.isDirectory() && mine && (stat.mode & 0o022) === 0;
}

/** Writes the code cache of each script at exit; any failure leaves that file uncached. */
function writeAtExit(pending) {
  process.once('exit', () => {
    for (const { script, cacheFile } of pending) {
      const temporary = `${cacheFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, cacheFile);
      } catch {
        try {
          fs.unlinkSync(temporary);
        } catch {
          // never written, or the directory went away: nothing to clean up, and an exit is no time to fail
        }
      }
    }
  });
}

/**
 * Compiles the CommonJS files under `root` (the bundle, its chunks and template data) through vm.Script
 * with their cached data, and requires `entry`. Other files load as Node loads them.
 */
function requireWithCodeCache(entry) {
  // The same switch as Node's own compile cache.
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return require(entry);
  const root = path.dirname(entry) + path.sep;
  const dir = cacheDirectory();
  if (dir === undefined) return require(entry);
  const pending = [];
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename, ...rest) {
    if (!filename.startsWith(root)) return compile.call(this, content, filename, ...rest);
    const hash = crypto.createHash('sha256').update(content).digest('base64url').slice(0, 22);
    const cacheFile = path.join(dir, `${path.basename(filename)}-${hash}`);
    let cachedData;
    try {
      cachedData = fs.readFileSync(cacheFile);
    } catch {
      // none yet, or unreadable: compiled from source, and cached at exit
    }
    const script = new vm.Script(Module.wrap(content), { filename, cachedData });
    const cache = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'accepted';
    loads.push({ file: filename, cache });
    if (cache !== 'accepted') pending.push({ script, cacheFile });
    // What Node's own loader passes a CommonJS module.
    const mod = this;
    const moduleRequire = (id) => mod.require(id);
    moduleRequire.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    moduleRequire.cache = Module._cache;
    moduleRequire.main = require.main;
    const wrapper = script.runInThisContext({ displayErrors: true });
    return wrapper.call(mod.exports, mod.exports, moduleRequire, mod, filename, path.dirname(filename));
  };
  writeAtExit(pending);
  return require(entry);
}

module.exports = { requireWithCodeCache, loads, CACHE_DIR_NAME };

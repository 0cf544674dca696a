#!/usr/bin/env node
/**
 * The OpenTelemetry Collector the network tier runs the generated configs on, built once with the
 * OpenTelemetry Collector Builder (ocb) from test/collector/builder-config.yaml into the user's cache
 * (outside node_modules, so `npm ci` keeps it), under a hash of that manifest. Go and the Go module proxy
 * are all it needs. One place for CI (.ci/run) and the tests. Prints the binary's path.
 *   node scripts/otelcol.mjs
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { cacheDir } from './lts-node.mjs';

export const MANIFEST = fileURLToPath(new URL('../test/collector/builder-config.yaml', import.meta.url));
const BUILDER_MODULE = 'go.opentelemetry.io/collector/cmd/builder';

/** The release the manifest builds (dist.version), which is also the release of ocb that builds it. */
export function collectorRelease(manifest = readFileSync(MANIFEST, 'utf8')) {
  return String(parse(manifest).dist.version);
}

function works(bin) {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
  } catch {
    return false;
  }
}

function go(args, options) {
  try {
    execFileSync('go', args, { stdio: ['ignore', process.stderr, process.stderr], ...options });
  } catch (err) {
    if (err.code === 'ENOENT') throw new Error('building the test Collector needs Go (https://go.dev/dl/) on PATH');
    throw err;
  }
}

/** ocb of `release`, installed by `go install` into the cache once. */
function ensureBuilder(root, release) {
  const gobin = path.join(root, `builder-v${release}`);
  const bin = path.join(gobin, 'builder');
  if (works(bin)) return bin;
  go(['install', `${BUILDER_MODULE}@v${release}`], { env: { ...process.env, GOBIN: gobin } });
  return bin;
}

/**
 * The cached Collector binary of the manifest, built first if absent (ocb and go print their progress to
 * stderr). Built in a directory of its own and moved into place last, so a half-built one is never used
 * and two runs at once cannot mix their output; older builds are removed once the new one is in place.
 */
export function ensureCollector() {
  const manifest = readFileSync(MANIFEST, 'utf8');
  const hash = createHash('sha256').update(manifest).digest('hex').slice(0, 12);
  const root = path.join(cacheDir(), 'otelcol');
  const bin = path.join(root, `otelcol-cts-${hash}`);
  if (works(bin)) return bin;
  const builder = ensureBuilder(root, collectorRelease(manifest));
  const work = path.join(root, `build-${hash}-${process.pid}`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  try {
    writeFileSync(path.join(work, 'builder-config.yaml'), manifest);
    const started = Date.now();
    go(['version']); // ocb runs go itself: fail early, with the message above, when Go is missing
    execFileSync(builder, ['--config', 'builder-config.yaml'], {
      cwd: work,
      stdio: ['ignore', process.stderr, process.stderr],
    });
    const built = path.join(work, 'build', 'otelcol-cts');
    if (!works(built)) throw new Error(`ocb finished but ${built} does not run`);
    renameSync(built, bin);
    process.stderr.write(`built the test Collector in ${Math.round((Date.now() - started) / 1000)} s: ${bin}\n`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  for (const name of readdirSync(root)) {
    if (name.startsWith('otelcol-cts-') && name !== path.basename(bin)) rmSync(path.join(root, name), { force: true });
  }
  return bin;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${ensureCollector()}\n`);
}

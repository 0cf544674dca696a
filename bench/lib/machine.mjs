/** The machine and the versions a result was measured with. */
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probe } from './run-cmd.mjs';
import { ROOT } from './paths.mjs';

function cpuModel() {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? m[1].trim() : (os.cpus()[0]?.model ?? 'unknown');
  } catch {
    return os.cpus()[0]?.model ?? 'unknown';
  }
}

function osName() {
  try {
    const m = /^PRETTY_NAME="?([^"\n]+)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'));
    return `${m ? m[1] : os.type()}, kernel ${os.release()}`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function pkgVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

const PY_DISTS = /^(fastapi|starlette|uvicorn|pydantic|grpcio|protobuf|opentelemetry-.*)$/i;

/** Versions of the interesting distributions installed in a venv. */
export async function venvPackages(venv) {
  const python = path.join(venv, 'bin', 'python');
  if (!existsSync(python)) return {};
  const out = await probe(python, [
    '-c',
    'import importlib.metadata as m, json; print(json.dumps({d.metadata["Name"]: d.version for d in m.distributions()}))',
  ]);
  if (!out) return {};
  const all = JSON.parse(out);
  return Object.fromEntries(
    Object.entries(all)
      .filter(([k]) => PY_DISTS.test(k))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
}

export async function machineInfo({ venv, zeroVenv, uv } = {}) {
  const info = {
    date: new Date().toISOString(),
    os: osName(),
    cpuModel: cpuModel(),
    cores: os.cpus().length,
    memoryGiB: +(os.totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    npm: await probe('npm', ['--version']),
    cli: JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version,
    autocannon: pkgVersion('autocannon'),
    typescript: pkgVersion('typescript'),
    gitCommit: (await probe('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'])) ?? 'no commit yet (working tree)',
  };
  if (uv) info.uv = (await probe(uv, ['--version'])) ?? undefined;
  if (venv) {
    info.python = (await probe(path.join(venv, 'bin', 'python'), ['--version'])) ?? undefined;
    info.pythonPackages = await venvPackages(venv);
  }
  if (zeroVenv) {
    const zero = await venvPackages(zeroVenv);
    const base = info.pythonPackages ?? {};
    info.zeroCodeExtraPackages = Object.fromEntries(Object.entries(zero).filter(([k, v]) => base[k] !== v));
  }
  return info;
}

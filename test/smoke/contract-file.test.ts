import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import type { TelemetryContract } from '../../src/smoke/contract.js';
import { CONTRACT_FILE, contractFor, readContract } from '../../src/smoke/contract-file.js';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'cts-contract-'));
const shape = (name: string): TelemetryContract => ({
  version: 1,
  routes: [
    {
      method: 'GET',
      path: '/items/1',
      status: 200,
      server: { name, kind: 'SERVER', attributes: ['http.route'] },
      children: [],
    },
  ],
  resource: ['service.name'],
});

describe('telemetry-contract.json', () => {
  it('no file: nothing to check, and recording writes one', () => {
    const d = dir();
    expect(contractFor(d, 'check')).toBeUndefined();
    const checks = contractFor(d, 'record')!.judge(shape('GET /items/{id}'));
    expect(checks).toMatchObject([{ name: 'telemetry contract recorded', ok: true }]);
    expect(readContract(d)).toEqual(shape('GET /items/{id}'));
    expect(readFileSync(path.join(d, CONTRACT_FILE), 'utf8')).toMatch(/\n$/);
  });

  it('--update accepts a change and says what it accepted; an id in a span name is never recorded', () => {
    const d = dir();
    contractFor(d, 'record')!.judge(shape('GET /items/{id}'));
    const [accepted] = contractFor(d, 'record')!.judge(shape('GET /items/{item}'));
    expect(accepted).toMatchObject({
      ok: true,
      detail: expect.stringContaining('server span renamed "GET /items/{id}" → "GET /items/{item}"'),
    });
    const [refused] = contractFor(d, 'record')!.judge(shape('GET /items/1'));
    expect(refused).toMatchObject({ ok: false, detail: expect.stringContaining('holds an id (1)') });
    expect(readContract(d)?.routes[0]?.server?.name).toBe('GET /items/{item}');
  });

  it('sends the routes listed by hand', () => {
    const d = dir();
    writeFileSync(
      path.join(d, CONTRACT_FILE),
      JSON.stringify({ version: 1, routes: [{ method: 'POST', path: '/orders', status: 201 }] }),
    );
    expect(contractFor(d, 'check')?.routes).toEqual([{ method: 'POST', path: '/orders', status: 201 }]);
  });

  it('a bad file is a one-line usage error', () => {
    const d = dir();
    writeFileSync(
      path.join(d, CONTRACT_FILE),
      '{"version": 1, "routes": [{"method": "GET", "path": "items", "status": 200}]}',
    );
    expect(() => readContract(d)).toThrow(new UsageError(`${CONTRACT_FILE}: routes.0.path: a path starting with /`));
    writeFileSync(path.join(d, CONTRACT_FILE), '{');
    expect(() => readContract(d)).toThrow(UsageError);
  });
});

import { describe, expect, it } from 'vitest';
import { isLoopbackHost, refusal } from '../../src/view/guard.js';

const PORT = 4320;
const ok = (headers: Record<string, string>, path = '/api/traces', method = 'GET') =>
  refusal(method, path, { host: `127.0.0.1:${PORT}`, ...headers }, PORT);

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1:4320', 'localhost:4320', 'LOCALHOST', '[::1]:4320', 'view.localhost:4320'])('accepts %s', (h) =>
    expect(isLoopbackHost(h)).toBe(true),
  );
  it.each([
    'evil.example:4320',
    'localhost.evil.example',
    '127.0.0.1.nip.io:4320',
    '10.0.0.1:4320',
    '[::2]:4320',
    '',
    undefined,
  ])('refuses %s (a rebound DNS name)', (h) => expect(isLoopbackHost(h)).toBe(false));
});

describe('refusal', () => {
  it('lets the page and its own scripts through', () => {
    expect(ok({})).toBeUndefined();
    expect(ok({ origin: `http://127.0.0.1:${PORT}`, 'sec-fetch-site': 'same-origin' })).toBeUndefined();
    expect(ok({ 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' }, '/')).toBeUndefined();
  });

  it('refuses a Host that is not a loopback name', () => {
    expect(ok({ host: `evil.example:${PORT}` })).toEqual({ status: 403, reason: 'Host is not a loopback name' });
  });

  it('refuses cross-origin reads', () => {
    expect(ok({ origin: 'http://evil.example' })?.status).toBe(403);
    expect(ok({ origin: `http://127.0.0.1:${PORT + 1}` })?.status).toBe(403);
    expect(ok({ origin: 'null' })?.status).toBe(403);
    expect(ok({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'cors' })?.status).toBe(403);
    expect(ok({ 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, '/page.js')?.status).toBe(403);
  });

  it('lets another site link to the page, but not to its data', () => {
    expect(ok({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, '/')).toBeUndefined();
    expect(ok({ 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'navigate' }, '/api/traces')?.status).toBe(403);
  });

  it('serves reads only', () => {
    expect(ok({}, '/api/traces', 'POST')?.status).toBe(405);
  });
});

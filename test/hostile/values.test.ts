/**
 * Hostile option values, typed as flags or given in a --config file: each is refused with one line and
 * exit 2 (nothing written), or accepted and written intact.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, scratchDir } from '../support/helpers.js';
import { picture } from './tree.js';

interface Refusal {
  name: string;
  args: string[];
  /** Contents of c.json, for rows that pass --config c.json. */
  config?: unknown;
  error: RegExp;
}

const cfg = (options: unknown) => ({ config: options });

const refusals: (Refusal & { item: string })[] = [
  // Excluded URLs run as Python regular expressions: what Python's re rejects must be refused here.
  {
    item: '15',
    name: 'JS-only escape \\e',
    args: ['--excluded-urls', '/a\\e'],
    error: /^error: --excluded-urls: "\/a\\\\e" is not a valid Python regular expression: bad escape \\e/,
  },
  {
    item: '15',
    name: 'JS named backreference \\k<a>',
    args: ['--excluded-urls', '/\\k<a>'],
    error: /^error: --excluded-urls: .*bad escape \\k/,
  },
  {
    item: '15',
    name: 'JS unicode property \\p{L}',
    args: ['--excluded-urls', '/\\p{L}'],
    error: /^error: --excluded-urls: .*bad escape \\p/,
  },
  {
    item: '15',
    name: 'incomplete \\x escape',
    args: ['--excluded-urls', '/a\\x4'],
    error: /^error: --excluded-urls: .*incomplete escape \\x4/,
  },
  {
    item: '15',
    name: 'reversed range',
    args: ['--excluded-urls', '/[z-a]'],
    error: /^error: --excluded-urls: .*bad character range z-a/,
  },
  {
    item: '15',
    name: 'unterminated class from config',
    ...cfg({ excludedUrls: ['/a[b'] }),
    args: [],
    error: /^error: config "excludedUrls" \(--excluded-urls\): .*unterminated character set/,
  },
  {
    item: '15',
    name: 'repetition too large',
    args: ['--excluded-urls', '/a{4294967295}'],
    error: /^error: --excluded-urls: .*the repetition number is too large/,
  },
  {
    item: '15',
    name: 'nothing to repeat',
    args: ['--excluded-urls', '*.css'],
    error: /^error: --excluded-urls: .*nothing to repeat/,
  },
  {
    item: '15',
    name: 'a named group',
    args: ['--excluded-urls', '/(?P<id>x)'],
    error: /^error: --excluded-urls: .*uses the group syntax \(\?P, which excluded URLs do not support/,
  },
  // Control characters in endpoints, anywhere in the value.
  {
    item: '17',
    name: 'endpoint with a tab inside the host',
    args: ['--exporter', 'otlp-http', '--endpoint', 'https://coll\tector:4318'],
    error: /^error: --endpoint: must not contain control characters/,
  },
  {
    item: '17',
    name: 'endpoint with a newline at the end',
    args: ['--endpoint', 'collector:4317\n'],
    error: /^error: --endpoint: must not contain control characters/,
  },
  {
    item: '17',
    name: 'endpoint with a NUL in the path',
    ...cfg({ exporter: 'otlp-http', endpoint: 'https://c:4318/v1/\u0000traces' }),
    args: [],
    error: /^error: config "endpoint" \(--endpoint\): must not contain control characters/,
  },
  {
    item: '17',
    name: 'endpoint with a newline from config',
    ...cfg({ endpoint: 'https://c:4318/\nx', exporter: 'otlp-http' }),
    args: [],
    error: /^error: config "endpoint" \(--endpoint\): must not contain control characters/,
  },
  // Trojan Source: bidirectional controls and other invisible format characters.
  {
    item: '18',
    name: 'right-to-left override in the service name',
    args: ['--service-name', 'svc\u202eevil'],
    error: /^error: --service-name: must not contain invisible or bidirectional formatting characters \(U\+202E\)$/,
  },
  {
    item: '18',
    name: 'isolate in the environment',
    args: ['--environment', 'prod\u2066x\u2069'],
    error: /^error: --environment: must not contain invisible .*\(U\+2066\)$/,
  },
  {
    item: '18',
    name: 'zero-width space in an attribute value',
    args: ['--resource-attribute', 'team=a\u200bb'],
    error: /^error: --resource-attribute: value of team must not contain invisible .*\(U\+200B\)$/,
  },
  {
    item: '18',
    name: 'bidi embedding in an excluded URL',
    args: ['--excluded-urls', '/a\u202ab'],
    error: /^error: --excluded-urls: .*must not contain invisible .*\(U\+202A\)/,
  },
  {
    item: '18',
    name: 'bidi in the endpoint',
    args: ['--exporter', 'otlp-http', '--endpoint', 'https://c:4318/\u202e'],
    error: /^error: --endpoint: must not contain invisible .*\(U\+202E\)$/,
  },
  {
    item: '18',
    name: 'bidi from config',
    ...cfg({ environment: 'a\u202db' }),
    args: [],
    error: /^error: config "environment" \(--environment\): must not contain invisible .*\(U\+202D\)$/,
  },
  // Integers are decimal digits, nothing else.
  ...['0x10', '1e3', '1.0', ' 5', '5 ', '+5', '0b1', 'Infinity'].map((value) => ({
    item: '20',
    name: `queue size ${JSON.stringify(value)}`,
    args: ['--max-queue-size', value],
    error: /^error: --max-queue-size: must be a whole number written in decimal digits$/,
  })),
  {
    item: '20',
    name: 'hex integer from config',
    ...cfg({ scheduleDelayMillis: '0x1000' }),
    args: [],
    error:
      /^error: config "scheduleDelayMillis" \(--schedule-delay\): must be a whole number written in decimal digits$/,
  },
  {
    item: '20',
    name: 'fractional integer from config',
    ...cfg({ maxQueueSize: 10.5 }),
    args: [],
    error: /^error: config "maxQueueSize" \(--max-queue-size\): must be a whole number/,
  },
  ...['0x1', '1e-1', ' 0.5', 'Infinity', '.'].map((value) => ({
    item: '20',
    name: `sampler ratio ${JSON.stringify(value)}`,
    args: ['--sampler-ratio', value],
    error: /^error: --sampler-ratio: must be a number between 0 and 1/,
  })),
];

describe('hostile values are refused: one line, exit 2, nothing written', () => {
  it.each(refusals)('#$item $name', async (row) => {
    const cwd = scratchDir('cts-values-');
    const args = ['svc', ...row.args, '--yes', '--no-install'];
    if (row.config !== undefined) {
      writeFileSync(path.join(cwd, 'c.json'), JSON.stringify(row.config));
      args.push('--config', 'c.json');
    }
    const before = picture(cwd);
    const r = await runCli(args, { cwd });
    const lines = r.stderr.trim().split('\n');
    expect(lines, r.stderr).toHaveLength(1);
    expect(lines[0]).toMatch(row.error);
    expect(r.code).toBe(2);
    expect(picture(cwd)).toEqual(before);
  });
});

describe('values that look like object internals are ordinary keys', () => {
  const generated = async (args: string[], config?: unknown) => {
    const cwd = scratchDir('cts-values-');
    if (config !== undefined) {
      writeFileSync(path.join(cwd, 'c.json'), JSON.stringify(config));
      args.push('--config', 'c.json');
    }
    const r = await runCli(['svc', ...args, '--yes', '--no-install'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    const read = (f: string) => readFileSync(path.join(cwd, 'svc', f), 'utf8');
    return {
      telemetry: read('app/telemetry.py'),
      answers: JSON.parse(read('.create-traced-service.json')) as {
        options: { resourceAttributes: Record<string, string> };
      },
    };
  };

  it('__proto__, constructor and prototype from flags', async () => {
    const { telemetry, answers } = await generated([
      '--resource-attribute',
      '__proto__=p1',
      '--resource-attribute',
      'constructor=c1',
      '--resource-attribute',
      'prototype=t1',
    ]);
    for (const [key, value] of [
      ['__proto__', 'p1'],
      ['constructor', 'c1'],
      ['prototype', 't1'],
    ]) {
      expect(telemetry).toContain(`"${key}": "${value}",`);
      expect(Object.getOwnPropertyDescriptor(answers.options.resourceAttributes, key!)?.value).toBe(value);
    }
  });

  it('__proto__ and constructor from a config file', async () => {
    const config = JSON.parse('{"resourceAttributes": {"__proto__": "p2", "constructor": "c2"}}') as unknown;
    const { telemetry } = await generated([], config);
    expect(telemetry).toContain('"__proto__": "p2",');
    expect(telemetry).toContain('"constructor": "c2",');
  });

  it('an answers file with __proto__ is read back by --config intact', async () => {
    const cwd = scratchDir('cts-values-');
    const first = await runCli(['one', '--resource-attribute', '__proto__=p3', '--yes', '--no-install'], { cwd });
    expect(first.code, first.stderr).toBe(0);
    mkdirSync(path.join(cwd, 'x'));
    const again = await runCli(['two', '--config', 'one/.create-traced-service.json', '--yes', '--no-install'], {
      cwd,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(path.join(cwd, 'two', 'app', 'telemetry.py'), 'utf8')).toContain('"__proto__": "p3",');
  });
});

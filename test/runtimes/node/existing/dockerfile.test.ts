// Whether the image a Dockerfile builds gets telemetry.mjs: the COPY variants, the final stage, .dockerignore.
import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockerignoreExcludes, lastStageHasBootstrap } from '../../../../src/runtimes/node/existing/dockerfile.js';
import { planNodeChanges } from '../../../../src/runtimes/node/existing/changes.js';
import { analyseNodeProject } from '../../../../src/runtimes/node/existing/project.js';
import { parseServiceOptions } from '../../../../src/options/schema.js';
import { scratchDir } from '../../../support/helpers.js';

const B = 'telemetry.mjs';
const image = (...lines: string[]) => `${lines.join('\n')}\n`;

/** The express-cjs fixture with this Dockerfile (started by `npm start`, so only the copy is in question). */
function planWith(dockerfile: string, files: Record<string, string> = {}) {
  const dir = path.join(scratchDir('cts-node-docker-'), 'svc');
  cpSync(path.resolve('test/fixtures/existing-node/express-cjs'), dir, { recursive: true });
  writeFileSync(path.join(dir, 'Dockerfile'), dockerfile);
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return planNodeChanges(
    analyseNodeProject(dir),
    parseServiceOptions({ serviceName: 'orders-api', framework: 'express' }),
    undefined,
  );
}
const selectedOnly = (notes: string[]) => notes.filter((n) => n.includes('copies selected files only'));

describe('the whole build context copied', () => {
  const whole = [
    'COPY ./ ./',
    'COPY . .',
    'COPY . /app',
    'ADD . .',
    'COPY --chown=node:node ./ ./',
    'COPY --link --chown=1000:1000 . /srv/app/',
    'COPY ["./", "./"]',
    'COPY * ./',
    'COPY *.mjs package.json ./',
    'COPY telemetry.mjs ./',
    'copy \\\n    --chown=node:node \\\n    . .',
  ];
  it.each(whole)('%j copies telemetry.mjs', (copy) => {
    expect(lastStageHasBootstrap(image('FROM node:24', 'WORKDIR /app', copy, 'CMD ["npm", "start"]'), B)).toBe(true);
  });

  it.each(whole.slice(0, 5))('%j is not reported as copying selected files only', (copy) => {
    const plan = planWith(image('FROM node:24-slim', 'WORKDIR /app', copy, 'RUN npm ci', 'CMD ["npm", "start"]'));
    expect(selectedOnly(plan.notes)).toEqual([]);
    expect(plan.changes.map((c) => c.path)).not.toContain('Dockerfile');
  });

  it('selected files, or the context with telemetry.mjs excluded, do not', () => {
    for (const copy of [
      'COPY dist ./dist',
      'COPY src/ ./src/',
      'COPY --exclude=*.mjs . .',
      'COPY --from=build /app ./',
    ]) {
      expect(lastStageHasBootstrap(image('FROM node:24', copy, 'CMD ["npm", "start"]'), B), copy).toBe(false);
    }
    const plan = planWith(
      image('FROM node:24-slim', 'COPY package*.json ./', 'COPY src ./src', 'CMD ["npm", "start"]'),
    );
    expect(selectedOnly(plan.notes)).toHaveLength(1);
  });
});

describe('multi-stage builds: only the final stage matters', () => {
  it('a build stage that copies everything does not put the file in a final stage that copies dist/ only', () => {
    const text = image(
      'FROM node:24 AS build',
      'COPY . .',
      'RUN npm ci && npm run build',
      'FROM node:24-slim',
      'COPY --from=build /app/dist ./dist',
      'CMD ["npm", "start"]',
    );
    expect(lastStageHasBootstrap(text, B)).toBe(false);
    expect(selectedOnly(planWith(text).notes)).toHaveLength(1);
  });

  it('a final stage built FROM an earlier stage that copied the context has it', () => {
    const text = image(
      'FROM node:24-slim AS base',
      'WORKDIR /app',
      'COPY ./ ./',
      'FROM base AS production',
      'ENV NODE_ENV=production',
      'CMD ["node", "server.js"]',
    );
    expect(lastStageHasBootstrap(text, B)).toBe(true);
    const docker = planWith(text).changes.find((c) => c.path === 'Dockerfile')!;
    expect(docker.after).not.toContain('COPY telemetry.mjs');
  });
});

describe('.dockerignore', () => {
  it('names the rule that keeps telemetry.mjs out of the context; a later exception lets it in', () => {
    expect(dockerignoreExcludes('node_modules\n*.mjs\n', B)).toBe('*.mjs');
    expect(dockerignoreExcludes('# allow list\n*\n!dist\n!package*.json\n', B)).toBe('*');
    expect(dockerignoreExcludes('**/*.mjs\n', B)).toBe('**/*.mjs');
    expect(dockerignoreExcludes('/telemetry.mjs\n', B)).toBe('/telemetry.mjs');
    expect(dockerignoreExcludes('*\n!telemetry.mjs\n', B)).toBeUndefined();
    expect(dockerignoreExcludes('node_modules\nsrc/*.mjs\n.git\n', B)).toBeUndefined();
  });

  it('a context copy with telemetry.mjs ignored: the exception is added to .dockerignore, shown for consent', () => {
    const plan = planWith(image('FROM node:24-slim', 'COPY . .', 'CMD ["npm", "start"]'), {
      '.dockerignore': 'node_modules\n*\n!server.js\n!routes\n!package*.json\n',
    });
    const ignore = plan.changes.find((c) => c.path === '.dockerignore')!;
    expect(ignore.after).toBe('node_modules\n*\n!server.js\n!routes\n!package*.json\n!telemetry.mjs\n');
    expect(ignore.summary).toEqual(['lets telemetry.mjs into the build context (`*` kept it out)']);
    expect(selectedOnly(plan.notes)).toEqual([]);
  });
});

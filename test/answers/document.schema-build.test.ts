/** The answers file's zod schema is built when a file is first parsed: writing one (a scaffold) never pays for it. */
import { describe, expect, it, vi } from 'vitest';

// Every zod schema built in this file's modules goes through `z`: count what is built, and when.
const built = vi.hoisted(() => ({ count: 0 }));
vi.mock('zod', async (importOriginal) => {
  const zod = await importOriginal<typeof import('zod')>();
  const z = new Proxy(zod.z, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver);
      if (typeof member !== 'function' || key === 'NEVER') return member;
      return (...args: unknown[]) => {
        built.count++;
        return (member as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
  return { ...zod, z };
});

describe('the answers document schema', () => {
  it('is not built to write a new answers file, and built once to read them', async () => {
    const before = built.count;
    const { newAnswers, parseAnswersText, serializeAnswers } = await import('../../src/answers/document.js');
    const { MIGRATION_IDS } = await import('../../src/answers/migrations.js');
    const afterImport = built.count;
    expect(afterImport).toBe(before);
    const text = serializeAnswers(
      newAnswers('0.0.1', { serviceName: 'svc' }, [{ path: 'app/main.py', content: 'x = 1\n' }], MIGRATION_IDS),
    );
    expect(built.count).toBe(afterImport);

    const doc = parseAnswersText(text);
    expect(doc.files).toHaveProperty('app/main.py');
    const afterFirstParse = built.count;
    expect(afterFirstParse).toBeGreaterThan(afterImport);
    parseAnswersText(text);
    expect(built.count).toBe(afterFirstParse);
  });
});

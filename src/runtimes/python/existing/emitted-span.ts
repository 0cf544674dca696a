/**
 * What the installed instrumentation names the server span of the smoke test's request, and the
 * http.route it records, asked of the instrumentation itself in the project's venv (routes.py --span):
 * a route inside a mounted app is named after the mount, a Django route whose pattern is '' after its
 * name, and only the version installed knows which.
 */
import { execa } from 'execa';
import { ROUTES_SCRIPT } from './install.js';
import type { ServeTarget } from './types.js';

export interface EmittedSpan {
  name: string;
  /** null: the instrumentation records no http.route for this request. */
  route: string | null;
}

/** Frameworks whose span names the instrumentation may derive otherwise than from the route template. */
const ASKED = new Set(['fastapi', 'starlette', 'django']);

/** The span the instrumentation emits for GET `requestPath`; undefined when not asked or not answered. */
export async function emittedSpan(
  python: string,
  root: string,
  serve: Pick<ServeTarget, 'module' | 'attr' | 'factory' | 'appDir'>,
  framework: string,
  requestPath: string,
  env: Record<string, string> = {},
): Promise<EmittedSpan | undefined> {
  if (!ASKED.has(framework)) return undefined;
  const args = [serve.appDir || '.', serve.module, serve.attr, serve.factory ? '1' : '0'];
  const result = await execa(python, [ROUTES_SCRIPT, ...args, '--span', framework, requestPath], {
    cwd: root,
    reject: false,
    timeout: 60_000,
    env: { ...env, OTEL_SDK_DISABLED: 'true', PYTHONDONTWRITEBYTECODE: '1' },
  });
  // An app that does not import is the smoke test's to report, with its own output.
  if (result.exitCode !== 0) return undefined;
  try {
    const answer = JSON.parse(String(result.stdout)) as EmittedSpan | null;
    return answer && typeof answer.name === 'string' ? { name: answer.name, route: answer.route ?? null } : undefined;
  } catch {
    return undefined;
  }
}

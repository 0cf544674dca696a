/** The GET route the smoke test requests on an existing Node service: --route, else one the app declares. */
import { appConstruction, type NodeProject } from './project.js';

/** A literal path (no :param, wildcard or regex) that no exclusion matches. */
function requestable(p: string, excluded: string[]): boolean {
  return !/[:*(?]/.test(p) && !excluded.includes(p);
}

export function sampleRoute(
  project: NodeProject,
  excluded: string[],
  flag?: string,
): { path: string; template: string } {
  if (flag) return { path: flag, template: flag };
  const app = appConstruction(project);
  const appVar = project.modules.flatMap((m) => m.scan.apps).find((a) => a.variable)?.variable;
  const routes = project.modules.flatMap((m) => m.scan.routes.map((r) => ({ ...r, file: m.file })));
  // Routes declared on the app object itself have the path the server span is named by.
  const onApp = routes.filter((r) => r.receiver === appVar && (!app || r.file === app.file));
  const pick =
    onApp.find((r) => requestable(r.path, excluded) && r.path !== '/') ??
    onApp.find((r) => requestable(r.path, excluded));
  return pick ? { path: pick.path, template: pick.path } : { path: '/', template: '/' };
}

/**
 * What the analysis found that the review must say before anything is written (the service's own
 * signal handlers, a built entry, modules that could not be read), and what a failed smoke test's
 * shutdown hint must name: the service's handler, not only the flush.
 */
import type { SmokeReport } from '../../../smoke/run.js';
import { buildNote } from './build.js';
import type { NodeProject } from './project.js';

const where = (h: NodeProject['signalHandlers'][number]) =>
  `${h.file}:${h.line} (${h.via ? `${h.via}, ${h.signal}` : `process.on('${h.signal}')`})`;

function handlerList(project: NodeProject): string {
  const shown = project.signalHandlers.slice(0, 3).map(where);
  const more = project.signalHandlers.length - shown.length;
  return `${shown.join(', ')}${more > 0 ? ` and ${more} more` : ''}`;
}

export function analysisNotes(project: NodeProject): string[] {
  const notes: string[] = [];
  if (project.signalHandlers.length > 0)
    notes.push(
      `the service handles SIGTERM/SIGINT itself at ${handlerList(project)}: its handler is kept; the bootstrap flushes ` +
        'telemetry once the process ends (an exit the handler asks for waits for the flush), and ends it when the ' +
        'server is closed and no request is in flight but something else keeps it alive',
    );
  const build = buildNote(project);
  if (build) notes.push(build);
  for (const u of project.unreadable)
    notes.push(`${u.file}:${u.line} could not be parsed (${u.message}): the modules it loads were not analysed`);
  return notes;
}

/** The "graceful stop" check of a service that had to be killed names the service's own handler. */
export function explainShutdown(report: SmokeReport, project: NodeProject): void {
  if (!report.shutdown?.killed || project.signalHandlers.length === 0) return;
  const check = report.checks.find((c) => c.name === 'graceful stop' && !c.ok);
  if (!check) return;
  check.diagnosis =
    `the service's own handler at ${handlerList(project)} did not let the process end: it must close every server ` +
    'and connection it opened (or call process.exit when done); the bootstrap flushes and exits only once its ' +
    'servers are closed and no request is in flight';
}

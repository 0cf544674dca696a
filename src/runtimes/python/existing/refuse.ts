/**
 * What add-tracing refuses before anything is shown or touched, each as one line naming the cause and
 * the fix (a UsageError: exit 2, nothing changed).
 */
import { UsageError } from '../../../core/errors.js';
import { TO_UTF8, unreadNote } from './diagnose.js';
import { DETECTION } from './frameworks.js';
import type { ProjectReport } from './types.js';

const NOTHING = '— nothing was changed';
const SUPPORTED = DETECTION.filter((d) => d.supported).map((d) => d.displayName);

function sameTopPackage(a: string, b: string): boolean {
  const top = (p: string) => (p.includes('/') ? p.split('/')[0]! : '');
  return top(a) === top(b);
}

function constructors(): string {
  return DETECTION.filter((d) => d.supported)
    .flatMap((d) => d.constructors.map(([, cls]) => `${cls}(...)`))
    .filter((c, i, all) => all.indexOf(c) === i)
    .join(', ');
}

export function refuseUnworkable(report: ProjectReport): void {
  const blocking = report.syntaxErrors.filter(
    (e) => !report.selected || sameTopPackage(e.path, report.selected.file.path),
  );
  if (blocking.length > 0) {
    const e = blocking[0]!;
    throw new UsageError(
      `cannot parse ${e.path}${e.line ? `:${e.line}` : ''} with Python ${report.python.version} (${e.message}); fix the syntax error` +
        ` (or, if the code is valid for a newer Python, install that Python with pyenv or uv so it can be parsed) ${NOTHING}`,
    );
  }
  const unreadable = report.unreadableDependencyFiles?.[0];
  if (unreadable) {
    throw new UsageError(
      `cannot read ${unreadable.path} (${unreadable.reason}), so its pins can be neither checked nor edited; ` +
        `${TO_UTF8} and run again ${NOTHING}`,
    );
  }
  const framework = report.framework ? DETECTION.find((d) => d.name === report.framework!.name) : undefined;
  if (framework && !framework.supported) {
    throw new UsageError(
      `${framework.displayName} detected (${report.framework!.evidence[0]}); add-tracing supports ${SUPPORTED.join(', ')} so far: ` +
        `wire it as a generated ${framework.displayName} project does (create-traced-service --framework ${framework.name}) ${NOTHING}`,
    );
  }
  if (report.selected?.construction.framework === 'django' && !report.django?.settingsFile) {
    throw new UsageError(
      report.django
        ? `the Django settings module ${report.django.settingsModule} (from ${report.django.source}) is not a file in this project; ` +
            `run add-tracing in the project's root, or fix DJANGO_SETTINGS_MODULE ${NOTHING}`
        : `no DJANGO_SETTINGS_MODULE is set in manage.py, wsgi.py or asgi.py, nor in the environment; ` +
            `set it (os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")) and run again ${NOTHING}`,
    );
  }
  if (report.candidates.length === 0 && report.framework?.name === 'django') {
    throw new UsageError(
      `Django detected (${report.framework.evidence[0]}) but no module calls get_wsgi_application() or get_asgi_application()` +
        `${unreadNote(report)}; add the project's wsgi.py (django-admin startproject writes one) and run again ${NOTHING}`,
    );
  }
  if (report.candidates.length === 0) {
    throw new UsageError(
      `no app found in ${report.root}: no module constructs ${constructors()}${report.framework ? ` (although ${report.framework.evidence[0]})` : ''}` +
        `${unreadNote(report)}; run it in the service's directory (an app built from a class of the ` +
        "project's own that subclasses one of these is not recognised: --app picks among the apps found, " +
        `it cannot add one) ${NOTHING}`,
    );
  }
}

/** The framework add-tracing wires: the detected one; a --framework that disagrees is refused. */
export function tracedFramework(report: ProjectReport, requested: unknown): string {
  const detected = report.selected?.construction.framework ?? report.framework?.name ?? 'fastapi';
  if (requested !== undefined && requested !== detected) {
    throw new UsageError(
      `--framework ${String(requested)} does not match the app found (${detected} at ${report.selected?.id ?? report.root}); drop --framework ${NOTHING}`,
    );
  }
  return detected;
}

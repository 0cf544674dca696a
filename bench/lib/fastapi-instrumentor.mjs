/**
 * The generated FastAPI service is traced by FastAPI's own instrumentation (`FastAPI(telemetry={...})`,
 * FastAPI ≥ 0.142). This module derives the two other wirings the bench compares it with, from the same
 * app/main.py: the `instrumentor` variant (the previous template: FastAPI's own switched off,
 * FastAPIInstrumentor with the same providers, exclusions and no send/receive spans; it needs
 * opentelemetry-instrumentation-fastapi, so it runs with the zero-code venv) and the plain variant's app
 * (FastAPI's own switched off and nothing from app/telemetry.py).
 */

/** The generated construction: `_TRACED = not telemetry.SDK_DISABLED` then `app = FastAPI(...)` up to its `)`. */
const NATIVE_CONSTRUCTION = /^_TRACED = not telemetry\.SDK_DISABLED\napp = FastAPI\(\n(?:(?: {4}.*)?\n)*?\)\n/m;

const OFF = `app = FastAPI(
    lifespan=lifespan,
    telemetry={"tracing": False, "metrics": False, "logs": False, "auto_configure": False},
)
`;

/** The FastAPIInstrumentor wiring as the template generated it before FastAPI traced itself. */
const INSTRUMENTOR = `# --- Changed by bench/ (the instrumentor variant): FastAPIInstrumentor instead of FastAPI's own.
${OFF}
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor  # noqa: E402

if not telemetry.SDK_DISABLED:
    FastAPIInstrumentor.instrument_app(
        app,
        tracer_provider=telemetry.provider,
        meter_provider=telemetry.meter_provider,
        excluded_urls=EXCLUDED_URLS,
        exclude_spans=["receive", "send"],
    )
# --- End of bench/ change.
`;

function replaceConstruction(text, replacement, what) {
  if (!NATIVE_CONSTRUCTION.test(text))
    throw new Error(
      `bench cannot make the ${what} variant: app/main.py no longer builds the app as ${NATIVE_CONSTRUCTION}; update bench/lib/fastapi-instrumentor.mjs`,
    );
  return text.replace(NATIVE_CONSTRUCTION, replacement);
}

/** app/main.py text with FastAPIInstrumentor in place of FastAPI's own instrumentation. */
export function withInstrumentor(text) {
  return replaceConstruction(text, INSTRUMENTOR, 'instrumentor');
}

/** app/main.py text with FastAPI's own instrumentation switched off and no reference to app/telemetry.py. */
export function withoutNativeTelemetry(text) {
  return replaceConstruction(text, OFF, 'plain');
}

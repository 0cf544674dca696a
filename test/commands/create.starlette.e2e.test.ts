/**
 * Starlette end to end, once per OTLP exporter: generate, install from the package index, run the
 * generated project's own tests, start it under uvicorn (one worker, then two), and check its spans.
 * Then break it the way StarletteInstrumentor invites (instrument_app with its own defaults) and check
 * the smoke test says so. The suite and Starlette's row are in test/support/python-suite.ts.
 */
import { pythonFrameworkSuite } from '../support/python-suite.js';

pythonFrameworkSuite('starlette');

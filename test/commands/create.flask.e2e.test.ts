/**
 * Flask end to end, once per OTLP exporter: generate, install from the package index, run the generated
 * project's own tests, start it under gunicorn (one worker, then two), and check its spans. Then break
 * the gunicorn configuration the ways that lose spans, and check the smoke test (or gunicorn) says so.
 * The suite and Flask's row are in test/support/python-suite.ts.
 */
import { pythonFrameworkSuite } from '../support/python-suite.js';

pythonFrameworkSuite('flask');

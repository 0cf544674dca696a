import { describe, expect, it } from 'vitest';
import { credentialCaptureFindings } from '../../src/pipeline/credential-capture.js';

const codes = (files: { path: string; text: string }[], runtime: 'python' | 'node' = 'python') =>
  credentialCaptureFindings(files, runtime).map((f) => `${f.code} ${f.where}`);

describe('credentialCaptureFindings', () => {
  it('names every request header recorded without sanitizing (environment or instrument_app)', () => {
    expect(
      codes([
        { path: '.env', text: 'PORT=8000\nOTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST=".*"\n' },
        {
          path: 'app/main.py',
          text: 'app = FastAPI()\nFastAPIInstrumentor.instrument_app(app, http_capture_headers_server_request=["Authorization"])\n',
        },
      ]),
    ).toEqual(['credential-headers-recorded .env:2', 'credential-headers-recorded app/main.py:2']);
  });

  it('accepts header capture when credentials are sanitized, or when no credential header is captured', () => {
    expect(
      codes([
        { path: 'Dockerfile', text: 'ENV OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST=.*\n' },
        {
          path: 'compose.yaml',
          text: '  OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS: authorization,cookie\n',
        },
      ]),
    ).toEqual([]);
    expect(
      codes([{ path: '.env', text: 'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST=x-request-id\n' }]),
    ).toEqual([]);
  });

  it('names a Node HTTP instrumentation recording Authorization or Cookie (it has no sanitize setting)', () => {
    const text =
      "new HttpInstrumentation({\n  headersToSpanAttributes: { server: { requestHeaders: ['x-request-id', 'cookie'] } },\n});\n";
    expect(codes([{ path: 'src/otel.ts', text }], 'node')).toEqual(['credential-headers-recorded src/otel.ts:2']);
    // The Python variables do nothing in a Node service.
    const env = { path: '.env', text: 'OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST=.*\n' };
    expect(codes([env], 'node')).toEqual([]);
  });

  it('names a span attribute set from a credential header', () => {
    const py = 'span.set_attribute("user.token", request.headers["authorization"])\n';
    const js = "span.setAttribute('session', req.headers.cookie);\n";
    expect(
      codes([
        { path: 'app/views.py', text: py },
        { path: 'src/app.js', text: js },
      ]),
    ).toEqual(['credential-attribute app/views.py:1', 'credential-attribute src/app.js:1']);
  });
});

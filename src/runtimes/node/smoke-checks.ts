/**
 * The check only a Node service needs: its instrumentations were registered before the framework (and
 * http) were loaded. An instrumentation patches a module when it loads; one loaded earlier stays as it
 * was. The SDK's "has been loaded before" warning is counted when printed, but it looks the module up
 * through `globalThis.require`, which an ESM service does not have, so mostly it is not: what decides is
 * the evidence in the spans (a server span at all, and the framework's route on it).
 */
import { check, HTTP_ROUTE_KEYS } from '../../smoke/check.js';
import type { RuntimeCheckInput, SmokeCheck } from '../../smoke/types.js';

export const LOAD_ORDER_CHECK = 'instrumentation loaded before the framework';

const LOADED_BEFORE = /Module (\S+) has been loaded before (\S+)/g;

export function loadOrderCheck(input: RuntimeCheckInput): SmokeCheck {
  const warnings = [...input.output.matchAll(LOADED_BEFORE)].map((m) => `${m[1]} before ${m[2]}`);
  const routed = input.spans.some(
    (s) => s.kind === 'SERVER' && HTTP_ROUTE_KEYS.some((key) => s.attributes[key] === input.route),
  );
  const servers = input.spans.filter((s) => s.kind === 'SERVER').length;
  const problems = [
    ...(warnings.length > 0 ? [`the SDK warned: ${[...new Set(warnings)].join(', ')} loaded too early`] : []),
    ...(routed
      ? []
      : [
          servers === 0
            ? 'no SERVER span at all: http itself was not instrumented'
            : `no SERVER span carries http.route=${JSON.stringify(input.route)}: the framework was not instrumented`,
        ]),
  ];
  return check(
    LOAD_ORDER_CHECK,
    problems.length === 0,
    problems.length === 0
      ? 'no "loaded before" warning; the server span carries the framework\'s route'
      : problems.join('; '),
    'the SDK started after the framework (or http) was imported, so their instrumentations never patched them: ' +
      'start the service with node --import ./dist/telemetry.js (importing telemetry.js from the app runs too late, ' +
      'ESM imports load first) and keep the loader hook registration in telemetry.ts',
  );
}

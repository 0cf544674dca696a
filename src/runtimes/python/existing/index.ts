/** What the Python runtime does with services it did not generate: add-tracing, doctor, and their smoke test. */
import { EXIT_FAILURE, EXIT_OK } from '../../../core/errors.js';
import { credentialCaptureFindings, DEPLOY_FILES, readTextFiles } from '../../../pipeline/credential-capture.js';
import { installAndSmoke } from '../../../pipeline/install-and-smoke.js';
import type { ExistingServices, Runtime } from '../../types.js';
import { upgradeFindings } from '../upgrade/doctor.js';
import { planPythonTracing } from './add-tracing.js';
import { detectProject } from './detect.js';
import { diagnose } from './diagnose.js';
import { lockFindings } from './lock.js';
import { lockFilesOf } from './relock-step.js';
import { existingSmokeSettings } from './smoke-target.js';
import { summarizeReport } from './summary.js';

/** The runtime hands itself in: it installs and smoke-tests what these steps wire. */
export function pythonExisting(runtime: Runtime): ExistingServices {
  return {
    planTracing: (root, flagOptions, flags, ui) => planPythonTracing(runtime, root, flagOptions, flags, ui),

    async diagnose(root, flags) {
      const report = await detectProject(root, flags.app !== undefined ? { app: flags.app } : {});
      const findings = [
        ...diagnose(report),
        ...credentialCaptureFindings(
          readTextFiles(root, [...report.files.map((f) => f.path), ...DEPLOY_FILES]),
          'python',
        ),
        ...lockFindings(await lockFilesOf(root), report.dependencyFiles),
        ...(await upgradeFindings(root, { checkPypi: flags.checkPypi })),
      ];
      return { findings, project: summarizeReport(report) };
    },

    // The service brings its own dependencies, start command and route.
    async smoke(root, existing, options, ui, contract) {
      const settings = await existingSmokeSettings(root, existing, options, ui);
      const target = contract ? { target: { contract } } : {};
      try {
        const result = await installAndSmoke(
          root,
          options,
          runtime,
          { smoke: true, ...settings.pipeline, ...target },
          ui,
        );
        return { code: result.ok ? EXIT_OK : EXIT_FAILURE, result: { ...result, directory: root } };
      } finally {
        await settings.cleanup();
      }
    },
  };
}

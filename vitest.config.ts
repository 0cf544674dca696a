import { defineConfig } from 'vitest/config';
import { templatesPlugin } from './scripts/templates.mjs';

/**
 * Tests that install packages, start services or reach a registry are named `*.e2e.test.ts`; everything else
 * is the unit tier.
 */
const NETWORK_TIER = ['test/**/*.e2e.test.ts'];

// With pip instead of uv (CTS_INSTALLER=pip) a cold install takes minutes, not seconds.
const installMs = process.env.CTS_INSTALLER === 'pip' ? 600_000 : 120_000;

export default defineConfig({
  // The templates module the bundle is built with (scripts/build.mjs), rebuilt from templates/ on every run.
  plugins: [templatesPlugin()],
  test: {
    // Don't run more processes at once than a 2-core machine can take.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: NETWORK_TIER, testTimeout: 60_000 },
      },
      {
        extends: true,
        test: {
          name: 'network',
          include: NETWORK_TIER,
          // Obtains uv once into the user's cache (outside node_modules) and puts it on PATH.
          globalSetup: ['test/setup/tools.ts'],
          testTimeout: installMs,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests install Python packages and start services: give them room, and don't run
    // more of them at once than this 2-core machine can take.
    testTimeout: 60_000,
    hookTimeout: 600_000,
    maxWorkers: 2,
  },
});

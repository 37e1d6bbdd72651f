import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts', 'test/browser/**/*.test.ts'],
          environment: 'node',
          // One fixture build and server set for every e2e and browser file.
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 240_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          // The VitePress site over docs/ in Chromium (builds it first when docs/ changed).
          name: 'docs',
          include: ['test/docs/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
      // The newcomer path (scripts/packed-check.mjs): minutes of npm installs and builds, so only on request.
      ...(process.env.AEGIS_PACKED_CHECK === '1'
        ? [{
            test: {
              name: 'packed',
              include: ['test/packed/**/*.test.ts'],
              environment: 'node',
              globalSetup: ['test/packed/global-setup.ts'],
              testTimeout: 600_000,
              hookTimeout: 600_000,
            },
          }]
        : []),
    ],
  },
})

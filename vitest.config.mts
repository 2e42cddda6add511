import { configDefaults, defineConfig } from 'vitest/config';
import { emulatorFromSources } from './vitest.shared.mjs';

export default defineConfig({
  resolve: emulatorFromSources,
  test: {
    include: ['test/**/*.test.ts'],
    // test/fidelity reads shared/ beside the repository: `npm run test:fidelity` runs it, with its own config.
    // test/reliability has its own config too: `npm run test:reliability`.
    // test/browser drives Chromium: `npm run test:browser`.
    exclude: [...configDefaults.exclude, 'test/fidelity/**', 'test/reliability/**', 'test/browser/**'],
    // Says in one line which infra tools (Bicep CLI, PowerShell, shellcheck) are missing; their tests are skipped.
    globalSetup: ['test/infra/toolsSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.json' },
    // Coverage of the application (the emulator package is a test double, measured by its own tests), with
    // thresholds per layer set just under what holds at 2026-12-08, so that a drop fails npm test.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      exclude: ['packages/**', 'src/ports/**'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        lines: 93,
        branches: 75,
        'src/core/**': { lines: 95, branches: 85, functions: 95 },
        'src/app/**': { lines: 95, branches: 75, functions: 90 },
        'src/adapters/**': { lines: 92, branches: 75, functions: 95 },
        'src/functions/**': { lines: 95, branches: 70, functions: 95 },
      },
    },
  },
});

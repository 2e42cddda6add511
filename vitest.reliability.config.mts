import { defineConfig } from 'vitest/config';
import { emulatorFromSources } from './vitest.shared.mjs';

// `npm run test:reliability`: fault scenarios against the emulator and fuzzers at every input boundary.
// Bounded: every loop has a count and a time limit, and the whole run stays under five minutes.
export default defineConfig({
  resolve: emulatorFromSources,
  test: {
    include: ['test/reliability/**/*.test.ts'],
    globalSetup: ['./test/reliability/setup.ts'],
    testTimeout: 300_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', 'json', './test/reliability/reporter.ts'],
    outputFile: { json: '.vitest-reliability.json' },
  },
});

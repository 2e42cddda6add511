import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const emulatorSrc = fileURLToPath(new URL('./packages/emulator/src/', import.meta.url));

// `npm run test:reliability`: fault scenarios against the emulator and fuzzers at every input boundary.
// Bounded: every loop has a count and a time limit, and the whole run stays under five minutes.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@backup-warden\/emulator$/, replacement: `${emulatorSrc}index.ts` },
      { find: /^@backup-warden\/emulator\/(.*)$/, replacement: `${emulatorSrc}$1.ts` },
    ],
  },
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

import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { emulatorFromSources } from './vitest.shared.mjs';

// `npm run test:fidelity`: the checks against Microsoft's published examples and the responses recorded from live
// Azure, which live in shared/ beside the repository. Without it there is nothing to compare against: say so in one
// line and fail, rather than pass on nothing.
const shared = fileURLToPath(new URL('../shared/', import.meta.url));
if (!existsSync(shared)) {
  console.error(`test:fidelity needs shared/ beside the repository (looked for ${shared}); it is not there.`);
  process.exit(1);
}

export default defineConfig({
  resolve: emulatorFromSources,
  test: {
    include: ['test/fidelity/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.fidelity.json' },
  },
});

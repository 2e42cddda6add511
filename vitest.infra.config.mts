import { defineConfig } from 'vitest/config';
import { emulatorFromSources } from './vitest.shared.mjs';

// `npm run test:infra`: the infra checks with the real tools: every template built and linted by the Bicep CLI and
// asserted on as compiled ARM JSON, the hook scripts parsed by PowerShell, bash and shellcheck. Here a missing tool
// is a failure, not a skip.
process.env['BACKUP_WARDEN_REQUIRE_INFRA_TOOLS'] = '1';

export default defineConfig({
  resolve: emulatorFromSources,
  test: {
    include: ['test/infra/**/*.test.ts'],
    globalSetup: ['test/infra/toolsSetup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', 'json'],
    outputFile: { json: '.vitest-results.infra.json' },
  },
});

import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// `npm run test:infra`: the infra checks with the real tools: every template built and linted by the Bicep CLI and
// asserted on as compiled ARM JSON, the hook scripts parsed by PowerShell, bash and shellcheck. Here a missing tool
// is a failure, not a skip.
process.env['BACKUP_WARDEN_REQUIRE_INFRA_TOOLS'] = '1';

const emulatorSrc = fileURLToPath(new URL('./packages/emulator/src/', import.meta.url));

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@backup-warden\/emulator$/, replacement: `${emulatorSrc}index.ts` },
      { find: /^@backup-warden\/emulator\/(.*)$/, replacement: `${emulatorSrc}$1.ts` },
    ],
  },
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

import { defineConfig } from 'vitest/config';

// `npm run test:browser`: the HTML report in headless Chromium (Debian's `chromium` package), driven by
// playwright-core. Where Chromium is missing, only this suite is skipped, and it says why.
export default defineConfig({
  test: {
    include: ['test/browser/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default'],
  },
});

// ESLint flat config. The import boundaries here are the architecture's rules of direction
// (see README "Architecture"): core knows no SDK and no node I/O, the emulator shares nothing with core.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const azureSdks = [
  '@azure/arm-*',
  '@azure/identity',
  '@azure/storage-*',
  '@azure/data-tables',
  'applicationinsights',
  '@azure/core-*',
];
const nodeIo = [
  'fs',
  'fs/*',
  'node:fs',
  'node:fs/*',
  'http',
  'https',
  'node:http',
  'node:https',
  'net',
  'node:net',
  'child_process',
  'node:child_process',
  'process',
  'node:process',
  'os',
  'node:os',
];

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      // Type-aware everywhere: a promise is awaited or handled, never passed where a void callback is expected,
      // and a switch over a union names every member (or ends in assertNever).
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  // The application (the CLI aside, for now) meets typescript-eslint's whole type-checked set. `require-await`
  // stays off: in-memory adapters implement promise-returning ports with async methods that await nothing.
  ...tseslint.configs.recommendedTypeCheckedOnly.map((config) => ({
    ...config,
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
  })),
  {
    files: ['src/**/*.ts'],
    ignores: ['src/cli/**'],
    rules: { '@typescript-eslint/require-await': 'off' },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: azureSdks, message: 'core/ is pure: no Azure SDK.' },
            { group: nodeIo, message: 'core/ is pure: no node I/O.' },
            {
              group: ['zod'],
              message: 'validation happens at the boundary (core/rows.ts is the one exception, see override).',
            },
            {
              group: [
                '**/adapters/**',
                '**/app/**',
                '**/ports/**',
                '**/functions/**',
                '**/cli/**',
                '**/emulator/**',
                '**/config',
                '**/composition',
              ],
              message: 'core/ imports only core/.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'core/ reads no environment.' }],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'core/ takes a Clock.' }],
    },
  },
  {
    // Rows arrive as unknown and are validated with zod here, once. Action kinds declare the schema of their
    // queued form beside their definition; app/messages.ts parses queue messages with it at the boundary.
    // core/network/inventory.ts and serviceTags.ts convert the network path's rows and the Service Tag Discovery body.
    files: [
      'src/core/rows.ts',
      'src/core/events.ts',
      'src/core/actions/*.ts',
      'src/core/network/inventory.ts',
      'src/core/network/serviceTags.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: azureSdks, message: 'core/ is pure: no Azure SDK.' },
            { group: nodeIo, message: 'core/ is pure: no node I/O.' },
            {
              group: ['**/adapters/**', '**/app/**', '**/ports/**', '**/functions/**', '**/cli/**', '**/emulator/**'],
              message: 'core/ imports only core/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: azureSdks, message: 'ports/ are interfaces over core types.' },
            {
              group: ['**/adapters/**', '**/app/**', '**/functions/**', '**/cli/**', '**/emulator/**'],
              message: 'ports/ import only core/.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/app/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: azureSdks, message: 'app/ talks to Azure through ports only.' },
            {
              group: [
                '**/adapters/**',
                '**/functions/**',
                '**/cli/**',
                '**/emulator/**',
                '@backup-warden/emulator',
                '@backup-warden/emulator/*',
                '**/composition',
              ],
              message: 'app/ imports core/ and ports/ only.',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'process', message: 'only config.ts reads the environment.' }],
    },
  },
  {
    files: ['src/functions/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: azureSdks, message: 'triggers and the CLI reach SDKs through composition.ts.' },
            { group: ['**/adapters/**'], message: 'triggers and the CLI reach adapters through composition.ts.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/functions/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: azureSdks, message: 'triggers reach SDKs through composition.ts.' },
            { group: ['**/adapters/**'], message: 'triggers reach adapters through composition.ts.' },
            {
              group: [
                '**/emulator/**',
                '**/emulator',
                '@backup-warden/emulator',
                '@backup-warden/emulator/*',
                '@kusto/*',
              ],
              message: 'the Function App never loads the emulator.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['packages/emulator/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                '**/core/**',
                '**/core',
                '**/app/**',
                '**/adapters/**',
                '**/ports/**',
                '**/config',
                '**/composition',
              ],
              message: 'the emulator is an independent stand-in for Azure: it shares no logic with the app.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts', 'src/core/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'only config.ts reads process.env.' },
      ],
    },
  },
);

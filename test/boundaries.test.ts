/** The architecture's rules of direction are enforced by eslint (eslint.config.mjs); these prove the rules bite. */
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// The probes are virtual files the TypeScript project does not hold, so they are linted without type
// information: the boundaries are import rules, which need none.
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: tseslint.configs.disableTypeChecked });
async function problems(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: file });
  return (result?.messages ?? []).map((m) => `${m.ruleId}: ${m.message}`);
}

describe('import boundaries', () => {
  it.each([
    [
      'src/core/x.ts',
      "import { NetworkManagementClient } from '@azure/arm-network';\nexport const c = NetworkManagementClient;\n",
      /core\/ is pure: no Azure SDK/,
    ],
    [
      'src/core/x.ts',
      "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n",
      /core\/ is pure: no node I\/O/,
    ],
    ['src/core/x.ts', 'export const t = Date.now();\n', /core\/ takes a Clock/],
    ['src/core/x.ts', "import { sweep } from '../app/sweep';\nexport const s = sweep;\n", /core\/ imports only core\//],
    [
      'src/app/x.ts',
      "import { AzureRemediator } from '../adapters/azure/remediator';\nexport const r = AzureRemediator;\n",
      /app\/ imports core\/ and ports\/ only/,
    ],
    [
      'src/functions/x.ts',
      "import { startEmulator } from '@backup-warden/emulator';\nexport const s = startEmulator;\n",
      /the Function App never loads the emulator/,
    ],
    [
      'src/app/x.ts',
      "import { startEmulator } from '@backup-warden/emulator';\nexport const s = startEmulator;\n",
      /app\/ imports core\/ and ports\/ only/,
    ],
    [
      'packages/emulator/src/x.ts',
      "import { idKey } from '../../../src/core/ids';\nexport const k = idKey;\n",
      /independent stand-in for Azure/,
    ],
    ['src/adapters/azure/x.ts', 'export const e = process.env.HOME;\n', /only config\.ts reads process\.env/],
  ])('%s: rejects %j', async (file, code, expected) => {
    expect((await problems(file, code)).join('\n')).toMatch(expected);
  });

  it('accepts core importing core', async () => {
    expect(await problems('src/core/x.ts', "import { idKey } from './ids';\nexport const k = idKey('a');\n")).toEqual(
      [],
    );
  });
});

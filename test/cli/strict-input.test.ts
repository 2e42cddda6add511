/**
 * Strict input at the CLI (issue 9 item 7): an unwritable --out stops the run before anything happens, a
 * failure to write it later still prints the report, bad emulator arguments exit 2, and maxActions bounds a
 * whole replay of events.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cappedPerRun } from '../../src/app/runCap';
import type { Action } from '../../src/core/model';
import type { ActionResult, Remediator } from '../../src/ports';
import { runWarden } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'warden-strict-'));
const sample = 'samples/sample-estate.json';

describe('--out', () => {
  it.each([
    ['a folder', dir, /cannot write: it is a folder/],
    ['a file in a missing folder', join(dir, 'missing', 'r.json'), /cannot write: ENOENT/],
  ])('refuses %s with exit 2 before the run', async (_label, out, message) => {
    const r = await runWarden(['plan', '--snapshot', sample, '--format', 'json', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('writes a writable file', async () => {
    const out = join(dir, 'ok.json');
    const r = await runWarden(['plan', '--snapshot', sample, '--format', 'json', '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`wrote ${out}`);
  });
});

describe('warden emulator', () => {
  it('exits 2 for an estate file it cannot read, naming it', async () => {
    const missing = join(dir, 'no-such-estate.json');
    const r = await runWarden(['emulator', '--estate', missing]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(missing);
  });

  it('exits 2 for an estate file that is not JSON', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{not json');
    const r = await runWarden(['emulator', '--estate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/not valid JSON/);
  });
});

describe('maxActions per run', () => {
  const action = (n: number): Action =>
    ({
      kind: 'add-nsg-rule',
      target: `/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg-${n}`,
      params: {},
      resolves: [],
    }) as unknown as Action;
  it('bounds every call together, not each call', async () => {
    let executed = 0;
    const inner: Remediator = {
      execute: async (actions) => {
        executed += actions.length;
        return actions.map((): ActionResult => ({ status: 'succeeded', durationMs: 1 }));
      },
    };
    const capped = cappedPerRun(inner, 2);
    const results: ActionResult[] = [];
    for (let event = 0; event < 5; event++)
      results.push(...(await capped.execute([action(event * 2), action(event * 2 + 1)])));
    expect(executed).toBe(2);
    expect(results.filter((r) => r.status === 'skipped' && r.detail === 'max-actions-per-run')).toHaveLength(8);
  });
});

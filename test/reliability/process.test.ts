/**
 * Process-level reliability: a `warden sweep --apply` killed with SIGKILL in the middle of its apply, then
 * rerun; two applies at once; and runs that must never report green because they checked nothing or lost
 * their input (unknown, malformed or forbidden subscriptions, snapshots whose rows all fail validation,
 * snapshots without any backup data).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  builtCli,
  countDamage,
  countRun,
  LIMITS,
  openKeys,
  sampleRows,
  SAMPLE,
  spawnWarden,
  stage,
  sweep,
  type Stage,
  type WardenRun,
} from './harness';
import { count } from './metrics';

const SUB_A = '8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70';
const SUB_UNKNOWN = '0f0e0d0c-0b0a-4909-8807-060504030201';

const okWrite = (o: { method: string; status: number }) =>
  (o.method === 'PUT' || o.method === 'POST') && o.status >= 200 && o.status < 300;

let stages: Stage[] = [];
afterEach(async () => {
  await Promise.all(stages.map((s) => s.emu.stop()));
  stages = [];
});
async function tracked(opts: Parameters<typeof stage>[0] = {}): Promise<Stage> {
  const s = await stage(opts);
  stages.push(s);
  return s;
}

describe('a sweep --apply killed mid-apply, then rerun', () => {
  const open = inject('baselineOpen');
  beforeAll(() => {
    expect(builtCli(), 'run `npm run build` first: the scenarios spawn bin/warden.js').toBe(true);
  });

  it('SIGKILL after the first writes; the rerun converges with no duplicate and nothing overwritten', async () => {
    const s = await tracked({ faults: 'latency=10-25' });
    let killedAfter = -1;
    let kill: ((signal: NodeJS.Signals) => void) | undefined;
    const killed = sweep(s, true, LIMITS.clean, [], (_pid, k) => (kill = k));
    const t0 = Date.now();
    // Wait (bounded) until the apply has made a few writes, then kill the process where it stands.
    while (Date.now() - t0 < 30_000) {
      const writes = s.emu.state().operations.filter(okWrite).length;
      if (writes >= 4) {
        killedAfter = writes;
        break;
      }
      await new Promise((r) => setTimeout(r, 25));
    }
    kill?.('SIGKILL');
    const k = await killed;
    expect(killedAfter, 'the apply never reached its fourth write').toBeGreaterThanOrEqual(4);
    expect(k.signal).toBe('SIGKILL');
    s.emu.setFaults('');
    const rerun = await sweep(s, true, LIMITS.clean);
    const verify = await sweep(s, false, LIMITS.verify);
    countRun(rerun, 'SIGKILL rerun');
    countRun(verify, 'SIGKILL verify');
    const damage = countDamage(s, 'SIGKILL mid-apply');
    count('scenarios');
    const planned = verify.report?.actions.length ?? -1;
    const extra = openKeys(verify.report).filter((x) => !open.includes(x));
    if (planned === 0 && extra.length === 0) count('scenarios.converged');
    expect(rerun.timedOut).toBe(false);
    expect(planned, verify.stderr).toBe(0);
    expect(extra).toEqual([]);
    expect(damage).toEqual({ duplicates: [], modified: [] });
  });

  it('two applies at once create each object once and write nothing twice', async () => {
    const s = await tracked({ faults: 'latency=5-30' });
    const [a, b] = await Promise.all([sweep(s, true, LIMITS.clean), sweep(s, true, LIMITS.clean)]);
    s.emu.setFaults('');
    countRun(a, 'concurrent apply A');
    countRun(b, 'concurrent apply B');
    const verify = await sweep(s, false, LIMITS.verify);
    countRun(verify, 'concurrent verify');
    const damage = countDamage(s, 'two applies at once');
    const writes = new Map<string, number>();
    for (const o of s.emu.state().operations.filter((x) => x.method === 'PUT' && x.status >= 200 && x.status < 300)) {
      const p = o.path.split('?')[0]?.toLowerCase() ?? '';
      writes.set(p, (writes.get(p) ?? 0) + 1);
    }
    const twice = [...writes].filter(([, n]) => n > 1).map(([p, n]) => `${p} written ${n} times`);
    for (const t of twice) count('modified', 1, `two applies at once: ${t}`);
    count('scenarios');
    if (verify.report?.actions.length === 0) count('scenarios.converged');
    expect(verify.report?.actions.length, verify.stderr).toBe(0);
    expect(damage.duplicates).toEqual([]);
    expect(twice).toEqual([]);
  });
});

/** Counts a run that exits 0 ("compliant") although it checked nothing or lost its input. */
function falseGreen(run: WardenRun, label: string): void {
  countRun({ ...run, code: run.code === 0 ? 1 : run.code }, label);
  if (run.code === 0) count('falseGreen', 1, `${label}: exit 0`);
}

describe('never green when nothing was checked', () => {
  beforeAll(() => {
    expect(builtCli(), 'run `npm run build` first').toBe(true);
  });

  it.each([
    ['a subscription that does not exist', [SUB_UNKNOWN]],
    ['a subscription id that is not a GUID', ['not-a-subscription']],
  ])('sweep --subscription: %s is not compliant', async (label, subs) => {
    const s = await tracked();
    const run = await sweep(
      s,
      false,
      LIMITS.verify,
      subs.flatMap((x) => ['--subscription', x]),
    );
    falseGreen(run, `sweep --subscription ${subs.join(' ')} (${label})`);
    expect(run.code, `${label}: ${run.stderr.split('\n')[0] ?? ''}`).not.toBe(0);
  });

  it('sweep --subscription the identity gets 403 on is not compliant', async () => {
    const s = await tracked();
    const config = path.join(s.dir, 'scoped.json');
    writeFileSync(
      config,
      JSON.stringify({
        armEndpoint: s.emu.endpoint,
        caCertPath: s.emu.caCertPath,
        armToken: s.emu.issueToken([`/subscriptions/${SUB_UNKNOWN}`]),
      }),
    );
    const run = await spawnWarden(
      ['sweep', '--config', config, '--format', 'json', '--subscription', SUB_A],
      LIMITS.verify,
    );
    falseGreen(run, 'sweep --subscription with a 403');
    expect(run.code, run.stderr.split('\n')[0]).not.toBe(0);
  });

  it.each([
    ['every row without its type column', (r: Record<string, unknown>) => ({ ...r, type: undefined })],
    [
      'properties as JSON text',
      (r: Record<string, unknown>) => ({ ...r, properties: JSON.stringify(r['properties']) }),
    ],
  ])('plan --snapshot with %s is not compliant', async (label, broken) => {
    const s = await tracked();
    const file = path.join(s.dir, 'broken.json');
    writeFileSync(file, JSON.stringify({ data: sampleRows().map((r) => broken(r as Record<string, unknown>)) }));
    const run = await spawnWarden(['plan', '--snapshot', file, '--format', 'json'], LIMITS.verify);
    falseGreen(run, `plan --snapshot (${label})`);
    expect(run.code, run.stderr.split('\n')[0]).not.toBe(0);
  });

  it('plan --snapshot with VMs but no vaults or protected items warns that the backup data is missing', async () => {
    const s = await tracked();
    const file = path.join(s.dir, 'no-backup-data.json');
    const rows = sampleRows().filter(
      (r) =>
        !String((r as { type: string }).type)
          .toLowerCase()
          .startsWith('microsoft.recoveryservices/'),
    );
    writeFileSync(file, JSON.stringify({ data: rows }));
    const run = await spawnWarden(['plan', '--snapshot', file, '--format', 'json'], LIMITS.verify);
    countRun(run, 'plan --snapshot without backup data');
    const warned = (run.report?.summary.warnings ?? []).some((w) =>
      /backup data|no (protected items|vaults)|protected items.*missing|missing.*protected items/i.test(w),
    );
    if (!warned) count('falseGreen', 1, 'plan --snapshot without backup data: no warning that it is missing');
    expect(warned, JSON.stringify(run.report?.summary.warnings)).toBe(true);
  });

  it('the bundled estate itself is never green', async () => {
    const run = await spawnWarden(['plan', '--snapshot', SAMPLE, '--format', 'json'], LIMITS.verify);
    falseGreen(run, 'plan --snapshot samples/sample-estate.json');
    expect(run.code).toBe(1);
  });
});

/**
 * The reliability harness: runs the built `warden` as a child process against the emulator (bounded in
 * time, loopback only), snapshots the emulator's estate, and counts what a run left behind: duplicates
 * (two objects where one was meant) and pre-existing objects that changed.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type EmulatorState, type RunningEmulator } from '@backup-warden/emulator';
import { expect } from 'vitest';
import type { Report } from '../../src/core/report';
import { count } from './metrics';

/** The bundled estate every scenario starts from. */
export const SAMPLE = path.resolve('samples/sample-estate.json');
/** Rows of the bundled estate. */
export const sampleRows = (): unknown[] => (JSON.parse(readFileSync(SAMPLE, 'utf8')) as { data: unknown[] }).data;
const BIN = path.resolve('bin/warden.js');

/** True when `npm run build` has produced the CLI the scenarios spawn. */
export function builtCli(): boolean {
  return existsSync(path.resolve('dist/src/cli/main.js'));
}

/** What one child run of `warden` ended in. */
export interface WardenRun {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Killed because it outlived its time limit. */
  timedOut: boolean;
  ms: number;
  /** The JSON report, when the run printed one. */
  report?: Report;
}

/** An environment for the child without any WARDEN_* or storage setting of the caller's. */
function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('WARDEN_') || k.startsWith('AzureWebJobsStorage') || k === 'APPLICATIONINSIGHTS_CONNECTION_STRING')
      continue;
    env[k] = v;
  }
  return env;
}

/**
 * Runs the built CLI with Node 22 (this process's node). It is killed as hung when it prints nothing for
 * `idleMs` (the CLI prints a line per Resource Graph page and per action), or outlives `timeoutMs`.
 */
export function spawnWarden(
  args: string[],
  opts: {
    timeoutMs: number;
    idleMs?: number;
    onSpawn?: (pid: number, kill: (signal: NodeJS.Signals) => void) => void;
  },
): Promise<WardenRun> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const hung = () => {
      timedOut = true;
      child.kill('SIGKILL');
    };
    let idle: NodeJS.Timeout | undefined;
    const touch = () => {
      if (opts.idleMs === undefined) return;
      if (idle) clearTimeout(idle);
      idle = setTimeout(hung, opts.idleMs);
    };
    touch();
    child.stdout.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      touch();
    });
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      touch();
    });
    const timer = setTimeout(hung, opts.timeoutMs);
    if (child.pid !== undefined) opts.onSpawn?.(child.pid, (s) => child.kill(s));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (idle) clearTimeout(idle);
      let report: Report | undefined;
      try {
        const parsed = JSON.parse(stdout) as unknown;
        if (typeof parsed === 'object' && parsed !== null && 'summary' in parsed) report = parsed as Report;
      } catch {
        report = undefined;
      }
      resolve({
        args,
        code,
        signal,
        stdout,
        stderr,
        timedOut,
        ms: Date.now() - t0,
        ...(report ? { report } : {}),
      });
    });
  });
}

/** A started emulator with the bundled estate and a config file the CLI reads. */
export interface Stage {
  emu: RunningEmulator;
  config: string;
  dir: string;
  before: EmulatorState;
}

/** Starts the emulator on the bundled estate (or `rows`) and writes a config file for the CLI. */
export async function stage(
  opts: { rows?: unknown[]; seed?: number; faults?: string; lroAutoCompleteMs?: number } = {},
): Promise<Stage> {
  const emu = await startEmulator({
    estate: opts.rows ?? sampleRows(),
    lroRetryAfterSeconds: 0,
    ...(opts.lroAutoCompleteMs !== undefined ? { lroAutoCompleteMs: opts.lroAutoCompleteMs } : {}),
    seed: opts.seed ?? 9,
    ...(opts.faults ? { faults: opts.faults } : {}),
  });
  const dir = mkdtempSync(path.join(tmpdir(), 'warden-reliability-'));
  const config = path.join(dir, 'config.json');
  // Deadlines short enough that a stalled request or operation is given up well inside the idle limit.
  writeFileSync(
    config,
    JSON.stringify({
      armEndpoint: emu.endpoint,
      caCertPath: emu.caCertPath,
      armToken: emu.token,
      requestTimeoutSeconds: 8,
      operationDeadlineSeconds: 6,
    }),
  );
  return { emu, config, dir, before: emu.state() };
}

/** A run's time limits: killed after `idleMs` without output, or after `timeoutMs` in all. */
export interface RunLimit {
  timeoutMs: number;
  idleMs: number;
}

/** `warden sweep [--apply] --format json` against the stage; `onSpawn` gets a handle to kill the child. */
export function sweep(
  s: Stage,
  apply: boolean,
  limit: RunLimit,
  extra: string[] = [],
  onSpawn?: (pid: number, kill: (signal: NodeJS.Signals) => void) => void,
): Promise<WardenRun> {
  return spawnWarden(['sweep', '--config', s.config, '--format', 'json', ...(apply ? ['--apply'] : []), ...extra], {
    ...limit,
    ...(onSpawn ? { onSpawn } : {}),
  });
}

type Row = Record<string, unknown>;
const props = (r: Row): Row => (r['properties'] as Row | undefined) ?? {};
const lower = (v: unknown) => String(v ?? '').toLowerCase();

/** Every security rule of every NSG, keyed by lower-case rule id. */
function rulesOf(state: EmulatorState): Map<string, Row> {
  const out = new Map<string, Row>();
  for (const nsg of state.resources.filter((r) => lower(r['type']) === 'microsoft.network/networksecuritygroups')) {
    for (const rule of (props(nsg)['securityRules'] as Row[] | undefined) ?? []) {
      out.set(lower(rule['id'] ?? `${String(nsg['id'])}/securityRules/${String(rule['name'])}`), rule);
    }
  }
  return out;
}

const vaultsOf = (state: EmulatorState) =>
  new Map(
    state.resources
      .filter((r) => lower(r['type']) === 'microsoft.recoveryservices/vaults')
      .map((r) => [lower(r['id']), r] as const),
  );

const itemsOf = (state: EmulatorState) =>
  new Map(
    state.recoveryServicesResources
      .filter((r) => lower(r['type']).endsWith('/protecteditems'))
      .map((r) => [lower(r['id']), r] as const),
  );

/** Properties a backup job legitimately changes on a protected item (a trigger-backup is not an overwrite). */
const BACKUP_RUN_FIELDS = [
  'lastBackupStatus',
  'lastBackupTime',
  'lastRecoveryPoint',
  'protectionState',
  'protectionStatus',
  'healthStatus',
  'healthDetails',
  'extendedInfo',
  'kpisHealths',
];

function itemConfig(item: Row): string {
  const p = { ...props(item) };
  for (const k of BACKUP_RUN_FIELDS) delete p[k];
  return JSON.stringify({ ...item, properties: p });
}

/** A rule the tool writes: its name starts with the tool's prefix. */
export const isToolRule = (rule: Row) => String(rule['name']).startsWith('AllowAzureBackup');

/** Pre-existing vaults, rules, policies and protected items that are no longer byte-identical. */
export function modifiedObjects(before: EmulatorState, after: EmulatorState): string[] {
  const out: string[] = [];
  const b = vaultsOf(before);
  const a = vaultsOf(after);
  for (const [id, row] of b) if (JSON.stringify(a.get(id)) !== JSON.stringify(row)) out.push(`vault ${id}`);
  const br = rulesOf(before);
  const ar = rulesOf(after);
  for (const [id, rule] of br) if (JSON.stringify(ar.get(id)) !== JSON.stringify(rule)) out.push(`rule ${id}`);
  const bi = itemsOf(before);
  const ai = itemsOf(after);
  for (const [id, item] of bi) {
    const now = ai.get(id);
    if (!now || itemConfig(now) !== itemConfig(item)) out.push(`protected item ${id}`);
  }
  const bp = before.backupPolicies ?? {};
  const ap = after.backupPolicies ?? {};
  for (const [id, policy] of Object.entries(bp))
    if (JSON.stringify(ap[id]) !== JSON.stringify(policy)) out.push(`backup policy ${id}`);
  return out;
}

function portsOf(rule: Row): string {
  const p = props(rule);
  const ports = [
    ...((p['destinationPortRanges'] as string[] | undefined) ?? []),
    ...(p['destinationPortRange'] ? [String(p['destinationPortRange'])] : []),
  ];
  return ports.sort().join(',');
}

function prefixesOf(rule: Row): string {
  const p = props(rule);
  return lower(
    [
      ...((p['destinationAddressPrefixes'] as string[] | undefined) ?? []),
      ...(p['destinationAddressPrefix'] ? [String(p['destinationAddressPrefix'])] : []),
    ]
      .sort()
      .join(','),
  );
}

/**
 * Two objects where one was meant: tool rules in one NSG allowing the same prefixes and ports, vaults
 * created in one subscription and region, and protected items of one VM.
 */
export function duplicates(before: EmulatorState, after: EmulatorState): string[] {
  const out: string[] = [];
  const seen = new Map<string, string>();
  for (const [id, rule] of rulesOf(after)) {
    if (!isToolRule(rule)) continue;
    const nsg = id.split('/securityrules/')[0] ?? id;
    const key = `${nsg}|${lower(props(rule)['direction'])}|${prefixesOf(rule)}|${portsOf(rule)}`;
    const first = seen.get(key);
    if (first) out.push(`tool rules ${first} and ${id} allow the same ports`);
    else seen.set(key, id);
  }
  const old = vaultsOf(before);
  const created = new Map<string, string>();
  for (const [id, vault] of vaultsOf(after)) {
    if (old.has(id)) continue;
    const key = `${lower(vault['subscriptionId'])}|${lower(vault['location'])}`;
    const first = created.get(key);
    if (first) out.push(`vaults ${first} and ${id} were both created for ${key}`);
    else created.set(key, id);
  }
  const byVm = new Map<string, string>();
  for (const [id, item] of itemsOf(after)) {
    const vm = lower(props(item)['sourceResourceId']);
    if (!vm) continue;
    const first = byVm.get(vm);
    if (first) out.push(`protected items ${first} and ${id} both protect ${vm}`);
    else byVm.set(vm, id);
  }
  return out;
}

/** Keys of the open findings of a report (rule, resource, reason). */
export function openKeys(report: Report | undefined): string[] {
  return (report?.findings ?? [])
    .filter((f) => f.status === 'open')
    .map((f) => `${f.ruleId}|${f.resourceId.toLowerCase()}|${String(f.details?.['reason'] ?? '')}`)
    .sort();
}

/** Counts a run's actions into the figures; a run that hung or crashed counts there. */
export function countRun(run: WardenRun, label: string): void {
  if (run.timedOut)
    count('hangs', 1, `${label}: ${run.args.join(' ')} stalled (no output, or over its limit) after ${run.ms} ms`);
  else if (run.signal !== null || run.code === null || run.code > 4 || /\n\s+at .+:\d+:\d+\)?/.test(run.stderr))
    count('crashes', 1, `${label}: exit ${String(run.code)}: ${run.stderr.trim().split('\n').slice(-1)[0] ?? ''}`);
  const actions = run.report?.actions ?? [];
  count('actions.attempted', actions.filter((a) => a.result && a.result.status !== 'skipped').length);
  count('actions.succeeded', actions.filter((a) => a.result?.status === 'succeeded').length);
  const failed = actions.filter((a) => a.result?.status === 'failed').length;
  const open = run.report?.summary.open ?? 0;
  if (run.code === 0 && (failed > 0 || open > 0))
    count('falseGreen', 1, `${label}: exit 0 with ${failed} failed action(s) and ${open} open finding(s)`);
}

/** Counts the faults the emulator injected, by kind. */
export function countFaults(emu: RunningEmulator): Record<string, number> {
  const injected = emu.state().faults.injected;
  for (const [kind, n] of Object.entries(injected)) count(`faults.${kind}`, n);
  return injected;
}

/** Counts duplicates and modified objects into the figures and returns them. */
export function countDamage(s: Stage, label: string): { duplicates: string[]; modified: string[] } {
  const after = s.emu.state();
  const dup = duplicates(s.before, after);
  const mod = modifiedObjects(s.before, after);
  for (const d of dup) count('duplicates', 1, `${label}: ${d}`);
  for (const m of mod) count('modified', 1, `${label}: ${m}`);
  return { duplicates: dup, modified: mod };
}

/** Time limits of the runs of one scenario. */
export const LIMITS = {
  faulty: { timeoutMs: 90_000, idleMs: 15_000 },
  clean: { timeoutMs: 90_000, idleMs: 20_000 },
  verify: { timeoutMs: 60_000, idleMs: 20_000 },
} satisfies Record<string, RunLimit>;

/** What a fault scenario found. */
export interface ScenarioOutcome {
  label: string;
  injected: Record<string, number>;
  faulty: WardenRun;
  clean: WardenRun;
  verify: WardenRun;
  duplicates: string[];
  modified: string[];
  /** Actions the verifying sweep still plans. */
  planned: number;
  /** Open findings the clean baseline does not have. */
  extraOpen: string[];
}

/**
 * One fault scenario: `sweep --apply` with the faults on, then the faults off and ONE more `sweep --apply`,
 * then a verifying sweep that must plan nothing and leave no open finding the fault-free baseline lacks.
 */
export async function faultScenario(
  label: string,
  spec: string,
  baselineOpen: readonly string[],
): Promise<ScenarioOutcome> {
  const s = await stage();
  try {
    s.emu.setFaults(spec);
    const faulty = await sweep(s, true, LIMITS.faulty);
    const injected = countFaults(s.emu);
    s.emu.setFaults('');
    const clean = await sweep(s, true, LIMITS.clean);
    const verify = await sweep(s, false, LIMITS.verify);
    countRun(faulty, `${label} (faults on)`);
    countRun(clean, `${label} (faults off)`);
    countRun(verify, `${label} (verify)`);
    const damage = countDamage(s, label);
    const planned = verify.report?.actions.length ?? -1;
    const open = openKeys(verify.report);
    const extraOpen = open.filter((k) => !baselineOpen.includes(k));
    count('scenarios', 1);
    if (verify.report && planned === 0 && extraOpen.length === 0) count('scenarios.converged', 1);
    return { label, injected, faulty, clean, verify, ...damage, planned, extraOpen };
  } finally {
    await s.emu.stop();
  }
}

/** The open findings a fault-free apply leaves on the bundled estate (what convergence converges to). */
export async function baseline(): Promise<string[]> {
  const s = await stage();
  try {
    const applied = await sweep(s, true, LIMITS.clean);
    countRun(applied, 'baseline');
    const verify = await sweep(s, false, LIMITS.verify);
    countRun(verify, 'baseline (verify)');
    countDamage(s, 'baseline');
    if (!verify.report) throw new Error(`baseline verify sweep printed no report: ${verify.stderr}`);
    return openKeys(verify.report);
  } finally {
    await s.emu.stop();
  }
}

/** One line that says why a scenario did not converge, for assertion messages. */
export function explain(o: ScenarioOutcome): string {
  const tail = (r: WardenRun) =>
    `exit ${String(r.code)}${r.timedOut ? ' (killed: time limit)' : ''}${r.signal ? ` ${r.signal}` : ''}, ${r.report ? `${r.report.actions.length} action(s)` : 'no report'}; ${r.stderr.trim().split('\n').slice(-2).join(' | ').slice(0, 300)}`;
  return [
    `${o.label}: injected ${JSON.stringify(o.injected)}`,
    `faulty run: ${tail(o.faulty)}`,
    `clean run: ${tail(o.clean)}`,
    `verify: ${tail(o.verify)}; planned ${o.planned}; open beyond baseline: ${o.extraOpen.slice(0, 5).join(', ')}`,
    `duplicates: ${o.duplicates.join('; ') || 'none'}; modified: ${o.modified.join('; ') || 'none'}`,
  ].join('\n');
}

/** The scenario's promise: faults were injected, nothing hung, and one clean apply converged without damage. */
export function expectConvergedAfterFaults(o: ScenarioOutcome): void {
  const why = explain(o);
  expect(
    Object.values(o.injected).reduce((a, b) => a + b, 0),
    `no fault was injected\n${why}`,
  ).toBeGreaterThan(0);
  expect(o.faulty.timedOut, `the faulty run hung\n${why}`).toBe(false);
  expect(o.clean.timedOut, `the run after the faults hung\n${why}`).toBe(false);
  expect(o.planned, `the verifying sweep still plans actions\n${why}`).toBe(0);
  expect(o.extraOpen, why).toEqual([]);
  expect(o.duplicates, why).toEqual([]);
  expect(o.modified, why).toEqual([]);
}

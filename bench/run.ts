/**
 * `npm run bench`: speed and memory of the engine on synthetic estates, and of a live sweep through the
 * real SDK clients against the emulator. Prints each figure with its target; exits 0 either way (the
 * figures are for people and CI logs, not assertions).
 */
import { performance } from 'node:perf_hooks';
import { assess } from '../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../src/core/engine-config';
import { Inventory } from '../src/core/inventory';
import { evaluate } from '../src/core/evaluate';
import { plan } from '../src/core/planner';
import { syntheticEstate } from './estate';

interface Figure {
  name: string;
  value: number;
  unit: string;
  target?: number;
  lowerIsBetter?: boolean;
}
const figures: Figure[] = [];
const record = (f: Figure): void => {
  figures.push(f);
  const verdict =
    f.target === undefined
      ? ''
      : (f.lowerIsBetter === false ? f.value >= f.target : f.value <= f.target)
        ? '  ok'
        : '  MISSED';
  const target =
    f.target === undefined ? '' : ` (target ${f.lowerIsBetter === false ? '>=' : '<='} ${f.target} ${f.unit})`;
  console.log(
    `${f.name.padEnd(52)} ${f.value.toFixed(f.unit === 'ms' ? 1 : 0).padStart(10)} ${f.unit}${target}${verdict}`,
  );
};
const time = <T>(fn: () => T): [T, number] => {
  const t = performance.now();
  const r = fn();
  return [r, performance.now() - t];
};
const mb = (bytes: number): number => bytes / 1024 / 1024;

async function engine(vms: number, targets: { totalMs: number; heapMb: number }): Promise<void> {
  const rows = syntheticEstate(vms);
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const now = new Date('2026-12-01T00:00:00Z');
  const [inv, buildMs] = time(() => Inventory.fromRows(rows));
  const [evaluation, evalMs] = time(() => evaluate(inv, DEFAULT_ENGINE_CONFIG, now));
  const [p, planMs] = time(() =>
    plan(evaluation.findings, inv, { ...DEFAULT_ENGINE_CONFIG, maxActions: 100_000 }, now),
  );
  const heapAfter = process.memoryUsage().heapUsed;
  record({ name: `engine ${vms} VMs (${rows.length} rows): inventory`, value: buildMs, unit: 'ms' });
  record({ name: `engine ${vms} VMs: evaluate (${evaluation.findings.length} findings)`, value: evalMs, unit: 'ms' });
  record({ name: `engine ${vms} VMs: plan (${p.actions.length} actions)`, value: planMs, unit: 'ms' });
  record({
    name: `engine ${vms} VMs: rows to plan`,
    value: buildMs + evalMs + planMs,
    unit: 'ms',
    target: targets.totalMs,
  });
  record({
    name: `engine ${vms} VMs: heap growth`,
    value: mb(heapAfter - heapBefore),
    unit: 'MB',
    target: targets.heapMb,
  });
  const [, assessMs] = time(() => assess(rows, DEFAULT_ENGINE_CONFIG, now));
  record({ name: `engine ${vms} VMs: assess() again (warm)`, value: assessMs, unit: 'ms' });
}

async function liveSweep(vms: number, targetMs: number): Promise<void> {
  const { startEmulator } = await import('@backup-warden/emulator');
  const { createAzureClients } = await import('../src/adapters/azure/clients.js');
  const { StaticTokenCredential } = await import('../src/adapters/azure/credential.js');
  const { ResourceGraphInventory } = await import('../src/adapters/azure/resourceGraph.js');
  const rows = syntheticEstate(vms, 2);
  const emu = await startEmulator({ estate: rows, lroRetryAfterSeconds: 0 });
  try {
    const clients = createAzureClients({
      armEndpoint: emu.endpoint,
      caCert: emu.caCert,
      credential: new StaticTokenCredential(emu.token),
    });
    const graph = new ResourceGraphInventory({ clients });
    await graph.runQuery('Resources | take 1', { subscriptions: [], managementGroups: [] }); // load the Kusto parser once
    const t = performance.now();
    const fetched = await graph.fetchRows({ subscriptions: [], managementGroups: [] });
    const ms = performance.now() - t;
    record({
      name: `live sweep ${vms} VMs via SDK + emulator: ${fetched.length} rows`,
      value: ms,
      unit: 'ms',
      target: targetMs,
    });
    record({ name: `live sweep ${vms} VMs: rows per second`, value: (fetched.length / ms) * 1000, unit: 'rows/s' });
  } finally {
    await emu.stop();
  }
}

async function mainBench(): Promise<void> {
  console.log(`backup-warden bench on Node ${process.versions.node}`);
  await engine(1_000, { totalMs: 500, heapMb: 100 });
  await engine(10_000, { totalMs: 3_000, heapMb: 600 });
  await engine(50_000, { totalMs: 15_000, heapMb: 2_500 });
  await liveSweep(2_500, 20_000);
  record({ name: 'process peak RSS', value: mb(process.resourceUsage().maxRSS * 1024), unit: 'MB' });
}

mainBench().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

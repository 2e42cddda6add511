/**
 * One bench measurement in its own process, so its peak RSS is its own: `node dist/bench/child.js <mode> <json>`
 * prints one JSON line with the figures and `maxRssMb` (the process's peak resident set).
 * - `write`  {file, vms, seed}: writes the estate as one snapshot file.
 * - `floor`  {file, slices}: reads the file and JSON.parses its rows (whole, or in row-aligned slices when the
 *   text is longer than a V8 string may be): the least any reader of the snapshot can spend.
 * - `engine` {vms, seed, serviceTags}: generates the rows in memory (with a service tags list when asked), then
 *   times inventory, evaluate and plan.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { DEFAULT_ENGINE_CONFIG } from '../src/core/engine-config';
import { evaluate } from '../src/core/evaluate';
import { Inventory } from '../src/core/inventory';
import { plan } from '../src/core/planner';
import { generateEstate, writeSnapshot } from './generate';
import { benchServiceTags } from './serviceTags';

/** What the parent sends. */
interface Args {
  file?: string;
  vms?: number;
  seed?: number;
  slices?: [number, number][];
  serviceTags?: boolean;
}

const maxRssMb = (): number => (process.resourceUsage().maxRSS * 1024) / 1024 / 1024;
/** V8's longest string, less a margin: a longer text cannot be one JSON.parse. */
const MAX_STRING = 0x1fffffe8 - 1024;

async function main(): Promise<Record<string, unknown>> {
  const mode = process.argv[2];
  const args = JSON.parse(process.argv[3] ?? '{}') as Args;
  const now = new Date('2026-12-01T00:00:00Z');
  switch (mode) {
    case 'write': {
      const t = performance.now();
      const w = await writeSnapshot(args.file as string, { vms: args.vms as number, seed: args.seed ?? 1 });
      return { rows: w.rows, bytes: w.bytes, slices: w.slices, ms: performance.now() - t };
    }
    case 'floor': {
      const t = performance.now();
      const buffer = readFileSync(args.file as string);
      let rows = 0;
      if (buffer.length < MAX_STRING) {
        rows = (JSON.parse(buffer.toString('utf8')) as { data: unknown[] }).data.length;
      } else {
        for (const [start, end] of args.slices ?? [])
          rows += (JSON.parse(`[${buffer.toString('utf8', start, end)}]`) as unknown[]).length;
      }
      return { ms: performance.now() - t, rows, bytes: buffer.length };
    }
    case 'engine': {
      let t = performance.now();
      const rows: unknown[] = generateEstate({ vms: args.vms as number, seed: args.seed ?? 1 });
      // With the service tags list, NSG prefixes are evaluated exactly (issue 11); without, by tag name.
      if (args.serviceTags) rows.push(benchServiceTags());
      const generateMs = performance.now() - t;
      globalThis.gc?.();
      t = performance.now();
      const inventory = Inventory.fromRows(rows);
      const inventoryMs = performance.now() - t;
      t = performance.now();
      const evaluation = evaluate(inventory, DEFAULT_ENGINE_CONFIG, now);
      const evaluateMs = performance.now() - t;
      t = performance.now();
      const p = plan(evaluation.findings, inventory, { ...DEFAULT_ENGINE_CONFIG, maxActions: 10_000_000 }, now);
      const planMs = performance.now() - t;
      return {
        rows: rows.length,
        vms: inventory.virtualMachines.length,
        subscriptions: inventory.subscriptions.size,
        findings: evaluation.findings.length,
        open: evaluation.findings.filter((f) => f.status === 'open').length,
        actions: p.actions.length,
        generateMs,
        inventoryMs,
        evaluateMs,
        planMs,
        totalMs: inventoryMs + evaluateMs + planMs,
      };
    }
    default:
      throw new Error(`unknown bench child mode '${mode ?? ''}'`);
  }
}

main().then(
  (figures) => process.stdout.write(`${JSON.stringify({ ...figures, maxRssMb: maxRssMb() })}\n`),
  (e: unknown) => {
    process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);

/**
 * `warden demo`: the main job end to end, on the local Azure emulator seeded with the bundled sample
 * estate. One sweep with --apply: plan, apply, and a verifying sweep that shows only what no tool should fix
 * by itself. The report is printed once, before → after.
 */
import { join } from 'node:path';
import { review } from '../app/review';
import { engineConfigOf, loadConfig } from '../config';
import { liveServices, snapshotInventory, systemClock } from '../composition';
import type { Action } from '../core/model';
import type { ActionResult } from '../ports';
import type { Paint, ReportView } from './render/common';

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** How the demo prints: the renderer of the CLI's --format, and colours for progress. */
export interface DemoOptions {
  render: (view: ReportView) => Promise<void>;
  paint: Paint;
}

/** Where the bundled sample estate lives, from src/cli or dist/src/cli. */
export function sampleEstatePath(): string {
  const fromSrc = join(__dirname, '..', '..', 'samples', 'sample-estate.json');
  const fromDist = join(__dirname, '..', '..', '..', 'samples', 'sample-estate.json');
  return __dirname.includes(`${join('dist', 'src')}`) ? fromDist : fromSrc;
}

/** Runs the demo; returns 0 when the verifying sweep converged (no further action planned) and nothing failed. */
export async function runDemo(out: Out, estateFile = sampleEstatePath(), options: DemoOptions): Promise<number> {
  const started = Date.now();
  const p = options.paint;
  const rows = await snapshotInventory([estateFile]).fetchRows({ subscriptions: [], managementGroups: [] });
  const { startEmulator } = await import('@backup-warden/emulator');
  const emulator = await startEmulator({ estate: rows, port: 0 });
  out.stderr(`emulator: ${emulator.endpoint} (sample estate: ${rows.length} rows from ${estateFile})\n`);
  try {
    const config = loadConfig({
      env: {},
      overrides: {
        armEndpoint: emulator.endpoint,
        caCertPath: emulator.caCertPath,
        armToken: emulator.token,
        initialBackup: true,
      },
    });
    const services = await liveServices(config, (line) => out.stderr(`  ${p.dim(line)}\n`));
    const engine = engineConfigOf(config);
    let total = 0;
    const r = await review(
      { inventory: services.inventory, remediator: services.remediator, clock: systemClock, config: engine },
      {
        apply: true,
        onApply: (actions: readonly Action[]) => {
          total = actions.length;
          out.stderr(`applying ${total} actions\n`);
        },
        onProgress: (action: Action, result: ActionResult, i: number) =>
          out.stderr(
            `  [${String(i + 1).padStart(2)}/${total}] ${action.kind.padEnd(17)} ${action.target.split('/').slice(-1)[0] ?? ''}: ${result.status === 'succeeded' ? p.green(result.status) : p.red(result.status)}${result.error ? ` (${result.error.code})` : result.detail ? ` (${result.detail})` : ''} ${p.dim(`${result.durationMs} ms`)}\n`,
          ),
        onVerify: () => out.stderr('verifying: sweeping again\n'),
      },
    );
    const after = r.after ?? r.before;
    await options.render({
      title: 'warden demo (sweep --apply on the emulator)',
      review: r,
      config: engine,
      subscriptionNames: r.before.subscriptionNames,
      generatedAt: after.at,
    });
    const failed = r.before.report.summary.results?.failed ?? 0;
    const converged = after.report.actions.length === 0;
    out.stderr(
      `demo: ${r.before.report.summary.open} open findings before, ${r.before.report.summary.results?.succeeded ?? 0} actions succeeded, ${failed} failed; ` +
        `${after.report.summary.open} open after (${converged ? 'converged: none is remediable' : `${after.report.actions.length} actions still planned`}), in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    return converged && failed === 0 ? 0 : 1;
  } finally {
    await emulator.stop();
  }
}

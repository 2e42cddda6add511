/**
 * `warden demo`: the main job end to end, on the local Azure emulator seeded with the bundled sample
 * estate. Sweep, apply, sweep again: the second sweep shows only what no tool should fix by itself.
 */
import { join } from 'node:path';
import { sweep } from '../app/sweep';
import type { Report } from '../core/report';
import { engineConfigOf, loadConfig } from '../config';
import { liveServices, snapshotInventory, systemClock } from '../composition';
import { renderReport } from './format';

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };

/** Where the bundled sample estate lives, from src/cli or dist/src/cli. */
export function sampleEstatePath(): string {
  const fromSrc = join(__dirname, '..', '..', 'samples', 'sample-estate.json');
  const fromDist = join(__dirname, '..', '..', '..', 'samples', 'sample-estate.json');
  return __dirname.includes(`${join('dist', 'src')}`) ? fromDist : fromSrc;
}

function remediable(report: Report): number {
  return report.actions.length;
}

/** Runs the demo; returns 0 when the second sweep converged (no further action planned). */
export async function runDemo(out: Out, estateFile = sampleEstatePath()): Promise<number> {
  const started = Date.now();
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
    const services = await liveServices(config, (line) => out.stderr(`  ${line}\n`));
    const deps = {
      inventory: services.inventory,
      remediator: services.remediator,
      clock: systemClock,
      config: engineConfigOf(config),
    };

    out.stdout('\n=== 1. sweep: what Resource Graph shows ===\n');
    const before = await sweep(deps);
    out.stdout(`${renderReport(before, 'sweep')}\n`);

    out.stdout('\n=== 2. apply the plan ===\n');
    out.stderr(`applying ${before.actions.length} actions\n`);
    const applied = await sweep(deps, {
      apply: true,
      onProgress: (action, result, i) =>
        out.stderr(
          `  [${String(i + 1).padStart(2)}/${before.actions.length}] ${action.kind.padEnd(17)} ${action.target.split('/').slice(-1)[0] ?? ''}: ${result.status}${result.error ? ` (${result.error.code})` : result.detail ? ` (${result.detail})` : ''} ${result.durationMs} ms\n`,
        ),
    });
    out.stdout(`${renderReport(applied, 'sweep --apply')}\n`);

    out.stdout('\n=== 3. sweep again: what is left ===\n');
    const after = await sweep(deps);
    out.stdout(`${renderReport(after, 'sweep')}\n`);

    const failed = applied.summary.results?.failed ?? 0;
    const converged = remediable(after) === 0;
    out.stdout(
      `\nDemo: ${before.summary.open} open findings before, ${applied.summary.results?.succeeded ?? 0} actions succeeded, ${failed} failed; ` +
        `${after.summary.open} open after (${converged ? 'converged: none is remediable' : `${remediable(after)} actions still planned`}), in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
    return converged && failed === 0 ? 0 : 1;
  } finally {
    await emulator.stop();
  }
}

/**
 * Prints the reliability figures after vitest's own summary: faults by kind, actions attempted and
 * succeeded, duplicates, modified pre-existing objects, fuzz cases by boundary, crashes, hangs and
 * false-green runs, and ends with one line that CI can read.
 */
import { writeFileSync } from 'node:fs';
import type { Reporter } from 'vitest/reporters';
import { readFigures } from './metrics';

/** The figures that must be zero for the suite to be green. */
export const MUST_BE_ZERO = ['duplicates', 'modified', 'crashes', 'hangs', 'falseGreen'] as const;

/** A vitest reporter that prints the figures at the end of the run. */
export default class FiguresReporter implements Reporter {
  onTestRunEnd(): void {
    const { totals, notes } = readFigures();
    const n = (k: string) => totals[k] ?? 0;
    const faults = Object.entries(totals)
      .filter(([k]) => k.startsWith('faults.'))
      .map(([k, v]) => `${k.slice('faults.'.length)} ${v}`)
      .sort();
    const fuzz = ['rows', 'events', 'config', 'cli'].map((b) => `${b} ${n(`fuzz.${b}`)}`);
    const lines = [
      '',
      'reliability figures',
      `  faults injected, by kind: ${faults.length ? faults.join(', ') : 'none'}`,
      `  actions: ${n('actions.attempted')} attempted, ${n('actions.succeeded')} succeeded`,
      `  scenarios: ${n('scenarios')} run, ${n('scenarios.converged')} converged after one more sweep --apply`,
      `  duplicates created: ${n('duplicates')} (must be 0)`,
      `  existing objects modified: ${n('modified')} (must be 0)`,
      `  fuzz cases: ${fuzz.join(', ')}`,
      `  crashes: ${n('crashes')}, hangs: ${n('hangs')}, false-green runs: ${n('falseGreen')} (each must be 0)`,
    ];
    const bad = notes.filter((x) => (MUST_BE_ZERO as readonly string[]).includes(x.figure));
    if (bad.length) {
      lines.push('  what counted against the figures:');
      for (const x of bad.slice(0, 40)) lines.push(`    ${x.figure}: ${x.note}`);
      if (bad.length > 40) lines.push(`    ... ${bad.length - 40} more in .reliability-figures.json`);
    }
    const fuzzTotal = ['rows', 'events', 'config', 'cli'].reduce((s, b) => s + n(`fuzz.${b}`), 0);
    const faultTotal = Object.entries(totals)
      .filter(([k]) => k.startsWith('faults.'))
      .reduce((s, [, v]) => s + v, 0);
    lines.push(
      `reliability: faults ${faultTotal}, actions ${n('actions.succeeded')}/${n('actions.attempted')}, duplicates ${n('duplicates')}, modified ${n('modified')}, fuzz ${fuzzTotal}, crashes ${n('crashes')}, hangs ${n('hangs')}, false-green ${n('falseGreen')}`,
    );
    writeFileSync('.reliability-figures.json', JSON.stringify({ totals, notes }, null, 2));
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}

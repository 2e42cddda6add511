/**
 * The reliability figures. Each test file adds to them through `count()`; the figures reporter sums
 * every file's lines at the end of the run. Files run in separate processes, so figures travel as JSON
 * lines in one folder that the reporter clears at the start.
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';

/** Where the figures of one run are collected. */
export const METRICS_DIR = path.resolve('.reliability-metrics');

/** The figures the suite prints, each under one name. */
export type Figure =
  | `faults.${string}`
  | 'actions.attempted'
  | 'actions.succeeded'
  | 'duplicates'
  | 'modified'
  | `fuzz.${'rows' | 'events' | 'config' | 'cli'}`
  | 'crashes'
  | 'hangs'
  | 'falseGreen'
  | 'scenarios'
  | 'scenarios.converged';

/** Adds `n` to a figure; `note` says what it was, for the details file. */
export function count(figure: Figure, n = 1, note?: string): void {
  if (n === 0 && note === undefined) return;
  mkdirSync(METRICS_DIR, { recursive: true });
  appendFileSync(
    path.join(METRICS_DIR, `${process.pid}.jsonl`),
    `${JSON.stringify({ figure, n, ...(note !== undefined ? { note } : {}) })}\n`,
  );
}

/** Clears the figures (at the start of a run). */
export function resetFigures(): void {
  rmSync(METRICS_DIR, { recursive: true, force: true });
  mkdirSync(METRICS_DIR, { recursive: true });
}

/** Sums every figure recorded in this run, with the notes of the non-zero ones. */
export function readFigures(): { totals: Record<string, number>; notes: { figure: string; note: string }[] } {
  const totals: Record<string, number> = {};
  const notes: { figure: string; note: string }[] = [];
  let files: string[];
  try {
    files = readdirSync(METRICS_DIR).filter((f) => f.endsWith('.jsonl'));
  } catch {
    files = [];
  }
  for (const f of files) {
    for (const line of readFileSync(path.join(METRICS_DIR, f), 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as { figure: string; n: number; note?: string };
      totals[e.figure] = (totals[e.figure] ?? 0) + e.n;
      if (e.note !== undefined) notes.push({ figure: e.figure, note: e.note });
    }
  }
  return { totals, notes };
}

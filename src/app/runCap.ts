/**
 * `maxActions` per run, not per call: a run that handles many events (replay-events) executes at most
 * `maxActions` actions in all. Each call keeps what the budget left allows, cut like the planner cuts a plan
 * (never a dependent without its dependency); the rest are skipped (`max-actions-per-run`) for a later run.
 */
import { capActions } from '../core/planner';
import type { ActionResult, Remediator } from '../ports';

/** A remediator that executes at most `maxActions` actions over all its calls. */
export function cappedPerRun(remediator: Remediator, maxActions: number): Remediator {
  let left = Math.max(0, maxActions);
  return {
    async execute(actions, onProgress) {
      const kept = capActions(actions, left);
      left -= kept.length;
      const done = kept.length > 0 ? await remediator.execute(kept, onProgress) : [];
      const byAction = new Map(kept.map((a, i) => [a, done[i]] as const));
      return actions.map(
        (a): ActionResult => byAction.get(a) ?? { status: 'skipped', detail: 'max-actions-per-run', durationMs: 0 },
      );
    },
  };
}

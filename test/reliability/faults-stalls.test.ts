/**
 * Faults that stall `sweep --apply`: a write or a Resource Graph query never answered, operations that never
 * finish, a long Retry-After. Without deadlines the run waits forever; the harness kills it at its time limit
 * and counts a hang. Each scenario stops the faults,
 * runs ONE more `sweep --apply`, and a verifying sweep must plan nothing, with no duplicate and no
 * pre-existing object changed.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { builtCli, expectConvergedAfterFaults, faultScenario } from './harness';

const SCENARIOS: [string, string][] = [
  ['a write that is never answered', 'hang=1x@PUT'],
  ['a Resource Graph query that is never answered', 'hang=1x@POST:/providers/Microsoft.ResourceGraph/*'],
  ['operations that never finish', 'lro-stuck=1x@PUT:*/securityRules/*,lro-stuck=1x@PUT:*/vaults/*'],
  ['a long Retry-After on throttled writes', '429=2x@PUT,retry-after=600'],
];

describe('sweep --apply when stalled converges once the faults stop', () => {
  const open = inject('baselineOpen');
  beforeAll(() => {
    expect(builtCli(), 'run `npm run build` first: the scenarios spawn bin/warden.js').toBe(true);
  });

  it.each(SCENARIOS)('%s (%s)', async (label, spec) => {
    expectConvergedAfterFaults(await faultScenario(label, spec, open));
  });
});

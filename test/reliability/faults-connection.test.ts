/**
 * Connection faults during `sweep --apply`: resets before and after the server acts, requests never
 * answered, truncated and malformed bodies. Each scenario stops the faults, runs ONE more `sweep --apply`,
 * and a verifying sweep must plan nothing, with no duplicate and no pre-existing object changed.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { builtCli, expectConvergedAfterFaults, faultScenario } from './harness';

const SCENARIOS: [string, string][] = [
  ['a connection reset before the server acts', 'reset-before=0.3@PUT'],
  ['a connection reset after the write took effect', 'reset-after=0.3@PUT'],
  ['truncated answers to writes', 'truncated=0.3@PUT'],
  ['malformed answers to reads', 'malformed=0.2@GET'],
];

describe('sweep --apply under connection faults converges once the faults stop', () => {
  const open = inject('baselineOpen');
  beforeAll(() => {
    expect(builtCli(), 'run `npm run build` first: the scenarios spawn bin/warden.js').toBe(true);
  });

  it.each(SCENARIOS)('%s (%s)', async (label, spec) => {
    expectConvergedAfterFaults(await faultScenario(label, spec, open));
  });
});

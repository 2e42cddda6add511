/**
 * Connection faults during `sweep --apply`: resets before and after the server acts, requests never
 * answered, truncated and malformed bodies. Each scenario stops the faults, runs ONE more `sweep --apply`,
 * and a verifying sweep must plan nothing, with no duplicate and no pre-existing object changed.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { builtCli, explain, faultScenario } from './harness';

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
    const o = await faultScenario(label, spec, open);
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
  });
});

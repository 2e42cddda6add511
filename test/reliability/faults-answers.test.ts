/**
 * Answer faults during `sweep --apply`: operations that fail, token expiry mid-run, index lag after a create, throttling and server errors. Each scenario stops the faults,
 * runs ONE more `sweep --apply`, and a verifying sweep must plan nothing, with no duplicate and no
 * pre-existing object changed.
 */
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { builtCli, expectConvergedAfterFaults, faultScenario } from './harness';

const SCENARIOS: [string, string][] = [
  ['operations that end Failed', 'lro-fail=0.5'],
  ['the token expiring in the middle of the run', 'expired=1+12'],
  ['404 just after a create (index lag)', 'index-lag=3000@PUT'],
  ['throttling and server errors', '429=0.15,500=0.1,503=0.1,conflict=0.1'],
];

describe('sweep --apply under answer faults converges once the faults stop', () => {
  const open = inject('baselineOpen');
  beforeAll(() => {
    expect(builtCli(), 'run `npm run build` first: the scenarios spawn bin/warden.js').toBe(true);
  });

  it.each(SCENARIOS)('%s (%s)', async (label, spec) => {
    expectConvergedAfterFaults(await faultScenario(label, spec, open));
  });
});

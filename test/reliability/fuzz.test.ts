/**
 * Fuzzing every input boundary with fast-check, from realistic seeds: Resource Graph rows (the core's
 * inventory), Event Grid and CloudEvents events (the event parser), configuration (config.ts) and CLI
 * arguments (main, in-process, and the built bin/warden.js). Bad input must get a clear answer that names
 * it, never a crash. Each property has a run count and a time limit; seeds are fixed, so a failure repeats.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Inventory } from '../../src/core/inventory';
import { classifyEvent, fromEventGridEvent } from '../../src/core/events';
import { ConfigError, loadConfig, SETTINGS } from '../../src/config';
import { main } from '../../src/cli/main';
import { builtCli, sampleRows, spawnWarden } from './harness';
import { count } from './metrics';

const RUNS = { numRuns: 300, interruptAfterTimeLimit: 15_000, seed: 20261208 } as const;
const dir = mkdtempSync(path.join(tmpdir(), 'warden-fuzz-'));

type Json = Record<string, unknown>;
const clone = <T>(v: T): T => structuredClone(v);

/** A Resource Manager id with an empty, `.` or `..` segment: Resource Manager never sends one. */
const badSegment = (id: string) =>
  id
    .split('/')
    .slice(1)
    .some((s) => s === '' || s === '.' || s === '..');

/** Odd strings that real exports and events have carried, or that break naive parsers. */
const oddString = fc.oneof(
  fc.string(),
  fc.constantFrom(
    '',
    ' ',
    '.',
    '..',
    '*',
    'null',
    '4096.5',
    '5000',
    '-1',
    '/subscriptions//resourceGroups/rg',
    '/subscriptions/x/resourceGroups/../providers/Microsoft.Compute/virtualMachines/vm',
    '/subscriptions/x/resourceGroups/./providers/Microsoft.Network/networkSecurityGroups/nsg',
    'ＶＭ',
    '\u0000',
    'a'.repeat(5000),
  ),
);
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { depthSize: 'small' },
  fc.jsonValue({ maxDepth: 3 }),
  oddString,
  fc.constant(undefined),
  fc.constantFrom(Number.NaN, Infinity, -0, 4096.5, 5000, 1e21),
);

/** One mutation of a JSON object: delete, replace or stringify a key (top level or under `properties`). */
const mutation = fc.record({
  where: fc.constantFrom('top', 'properties', 'data'),
  op: fc.constantFrom('delete', 'set', 'stringify', 'rename-id'),
  key: fc.oneof(
    fc.constantFrom('id', 'type', 'name', 'location', 'properties', 'subject', 'eventType', 'data', 'resourceUri'),
    fc.constantFrom('securityRules', 'networkInterfaces', 'priority', 'tags', 'sourceResourceId', 'operationName'),
    fc.string({ maxLength: 8 }),
  ),
  value: oddValue,
  suffix: fc.constantFrom('/..', '/.', '//x', '/../../other', '%2e%2e', '/sub/..'),
});
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(seed: unknown, muts: readonly Mutation[]): unknown {
  const out = clone(seed) as Json;
  for (const m of muts) {
    const target =
      m.where === 'top'
        ? out
        : (out[m.where] as Json | undefined) && typeof out[m.where] === 'object'
          ? (out[m.where] as Json)
          : out;
    if (m.op === 'delete') delete target[m.key];
    else if (m.op === 'set') target[m.key] = m.value;
    else if (m.op === 'stringify') target[m.key] = JSON.stringify(target[m.key] ?? null);
    else if (typeof out['id'] === 'string') out['id'] = `${out['id']}${m.suffix}`;
    else if (typeof out['subject'] === 'string') out['subject'] = `${out['subject']}${m.suffix}`;
  }
  return out;
}

const rowSeeds: unknown[] = [
  ...sampleRows(),
  ...(JSON.parse(readFileSync('test/fixtures/azure-quirks/rows.json', 'utf8')) as { data: unknown[] }).data,
];
const eventSeeds: unknown[] = readdirSync('test/fixtures/events')
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const v = JSON.parse(readFileSync(path.join('test/fixtures/events', f), 'utf8')) as unknown;
    return Array.isArray(v) ? v : [v];
  });

const fuzzedRow = fc
  .tuple(fc.constantFrom(...rowSeeds), fc.array(mutation, { maxLength: 4 }))
  .map(([s, m]) => mutate(s, m));
const fuzzedEvent = fc.oneof(
  fc.tuple(fc.constantFrom(...eventSeeds), fc.array(mutation, { maxLength: 4 })).map(([s, m]) => mutate(s, m)),
  oddValue,
);

/** Runs a check and counts a crash (an exception the contract does not allow) with its message. */
function guarded<T>(boundary: string, input: unknown, fn: () => T, allowed: (e: unknown) => boolean = () => false): T {
  try {
    return fn();
  } catch (e) {
    if (!allowed(e))
      count(
        'crashes',
        1,
        `${boundary}: ${(e as Error).message.slice(0, 200)} on ${JSON.stringify(input)?.slice(0, 200)}`,
      );
    throw e;
  }
}

/** The one error configuration may throw. */
const isConfigError = (e: unknown) => e instanceof ConfigError;

describe('fuzz: Resource Graph rows into the inventory', () => {
  it('never throws: every row is used or becomes a problem naming it', () => {
    fc.assert(
      fc.property(fc.array(fuzzedRow, { minLength: 1, maxLength: 12 }), (rows) => {
        count('fuzz.rows', rows.length);
        const inv = guarded('rows', rows, () => Inventory.fromRows(rows));
        expect(inv.rowCount).toBe(rows.length);
        for (const p of inv.problems) {
          expect(p.index).toBeGreaterThanOrEqual(0);
          expect(p.index).toBeLessThan(rows.length);
          expect(p.message.trim().length).toBeGreaterThan(0);
        }
      }),
      RUNS,
    );
  });

  it('rejects a row without a type, or with properties as JSON text, as a problem', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sampleRows()), fc.constantFrom('drop-type', 'properties-text'), (seed, how) => {
        count('fuzz.rows');
        const row = clone(seed) as Json;
        if (how === 'drop-type') delete row['type'];
        else row['properties'] = JSON.stringify(row['properties']);
        const inv = guarded('rows', row, () => Inventory.fromRows([row]));
        expect(inv.problems.map((p) => p.index)).toEqual([0]);
      }),
      { ...RUNS, numRuns: 60 },
    );
  });

  it('parses resource ids strictly: an id with an empty, . or .. segment is a problem (issue 9 item 7)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...sampleRows()), mutation, (seed, m) => {
        count('fuzz.rows');
        const row = mutate(seed, [{ ...m, op: 'rename-id' }]) as Json;
        fc.pre(typeof row['id'] === 'string' && badSegment(row['id']));
        const inv = guarded('rows', row, () => Inventory.fromRows([row]));
        expect(
          inv.problems.map((p) => p.index),
          `accepted ${String(row['id'])}`,
        ).toEqual([0]);
      }),
      { ...RUNS, numRuns: 60 },
    );
  });
});

describe('fuzz: security rule priorities', () => {
  it('a custom priority that is not an integer in 100-4096 gets a row warning naming the rule (issue 9 item 7)', () => {
    const nsgs = sampleRows().filter(
      (r) =>
        String((r as Json)['type']).toLowerCase() === 'microsoft.network/networksecuritygroups' &&
        (((r as Json)['properties'] as Json | undefined)?.['securityRules'] as unknown[] | undefined)?.length,
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...nsgs),
        fc.oneof(
          fc.integer({ min: 4097, max: 100_000 }),
          fc.integer({ min: -100, max: 99 }),
          fc.double({ min: 100, max: 4096, noInteger: true, noNaN: true }),
        ),
        (seed, priority) => {
          count('fuzz.rows');
          const row = clone(seed) as Json;
          const rules = (row['properties'] as Json)['securityRules'] as Json[];
          const rule = rules[0] as Json;
          (rule['properties'] as Json)['priority'] = priority;
          const inv = guarded('rows', row, () => Inventory.fromRows([row]));
          expect(inv.problems.map((p) => p.index)).toEqual([0]);
          expect(inv.problems[0]?.message).toContain(`rule '${String(rule['name'])}'`);
        },
      ),
      { ...RUNS, numRuns: 60 },
    );
  });
});

describe('fuzz: events into the event parser', () => {
  it('never throws: an event is converted or rejected with a reason', () => {
    fc.assert(
      fc.property(fuzzedEvent, (event) => {
        count('fuzz.events');
        const r = guarded('events', event, () => fromEventGridEvent(event));
        if (!r.ok) expect(r.reason.trim().length).toBeGreaterThan(0);
        else guarded('events', event, () => classifyEvent(r.event));
      }),
      RUNS,
    );
  });

  it('rejects a resource id with an empty, . or .. segment (issue 9 item 7)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...eventSeeds), mutation, (seed, m) => {
        count('fuzz.events');
        const event = clone(seed) as Json;
        const data = event['data'] as Json | undefined;
        fc.pre(typeof data?.['resourceUri'] === 'string');
        if (data) data['resourceUri'] = `${String(data['resourceUri'])}${m.suffix}`;
        fc.pre(badSegment(String(data?.['resourceUri'])));
        const r = guarded('events', event, () => fromEventGridEvent(event));
        expect(r.ok, `accepted ${String(data?.['resourceUri'])}`).toBe(false);
      }),
      { ...RUNS, numRuns: 60 },
    );
  });
});

const envNames = Object.values(SETTINGS).map((s) => s.env);
const settingNames = Object.keys(SETTINGS);

describe('fuzz: configuration', () => {
  it('loads or throws a ConfigError naming each bad key, from the environment', () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.oneof(
            fc.constantFrom(...envNames),
            fc.string().map((s) => `WARDEN_${s}`),
          ),
          oddString,
          {
            maxKeys: 5,
          },
        ),
        (env) => {
          count('fuzz.config');
          try {
            guarded('config', env, () => loadConfig({ env }), isConfigError);
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigError);
            for (const p of (e as ConfigError).problems) expect(p).toMatch(/WARDEN_|environment/);
          }
        },
      ),
      RUNS,
    );
  });

  it('loads or throws a ConfigError naming the file and key, from a config file', () => {
    let n = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.dictionary(fc.oneof(fc.constantFrom(...settingNames), fc.string({ maxLength: 6 })), oddValue, {
            maxKeys: 5,
          }),
          oddValue,
          fc.string(),
        ),
        fc.boolean(),
        (content, raw) => {
          count('fuzz.config');
          const file = path.join(dir, `config-${n++}.json`);
          writeFileSync(file, raw && typeof content === 'string' ? content : (JSON.stringify(content) ?? ''));
          try {
            guarded('config', content, () => loadConfig({ file, env: {} }), isConfigError);
          } catch (e) {
            expect(e).toBeInstanceOf(ConfigError);
            for (const p of (e as ConfigError).problems) expect(p).toContain(file);
          }
        },
      ),
      RUNS,
    );
  });
});

const COMMANDS = ['plan', 'sweep', 'query', 'emulator', 'demo', 'replay-events', 'findings', 'help', 'nonsense', ''];
const FLAGS = [
  '--snapshot',
  '--config',
  '--format',
  '--out',
  '--subscription',
  '--management-group',
  '--apply',
  '--kql',
  '--estate',
  '--port',
  '--faults',
  '--seed',
  '--status',
];
const VALUES = ['json', 'table', 'xml', '', '-1', '70000', '1.5', 'abc', '/nonexistent/x.json', '--', '=', 'open'];

/** Arguments that are always wrong: the command gets a flag it does not know, or a value no flag takes. */
const badArgs = fc
  .tuple(
    fc.constantFrom(...COMMANDS.filter((c) => c !== 'help')),
    fc.array(fc.oneof(fc.constantFrom(...FLAGS), fc.constantFrom(...VALUES)), { maxLength: 5 }),
    fc.oneof(
      fc.constant('--no-such-flag'),
      fc.string({ minLength: 1, maxLength: 6 }).map((s) => `--x-${s.replace(/[^a-z]/gi, 'q')}`),
    ),
    fc.nat(),
  )
  .map(([cmd, mid, bad, at]) => {
    const args = [...mid];
    args.splice(at % (args.length + 1), 0, bad);
    return cmd ? [cmd, ...args] : args;
  });

describe('fuzz: CLI arguments', () => {
  it('answers bad arguments with exit code 2 and a message, never a stack trace (in-process main)', async () => {
    await fc.assert(
      fc.asyncProperty(badArgs, async (args) => {
        count('fuzz.cli');
        let stderr = '';
        let code: number;
        try {
          code = await main(args, { stdout: () => undefined, stderr: (s) => (stderr += s) });
        } catch (e) {
          count('crashes', 1, `cli: main threw on ${JSON.stringify(args)}: ${(e as Error).message}`);
          throw e;
        }
        if (/\n\s+at .+:\d+:\d+/.test(stderr)) count('crashes', 1, `cli: stack trace on ${JSON.stringify(args)}`);
        expect(stderr, JSON.stringify(args)).not.toMatch(/\n\s+at .+:\d+:\d+/);
        expect(code, `${JSON.stringify(args)}: ${stderr.split('\n')[0] ?? ''}`).toBe(2);
        expect(stderr).toMatch(/^warden: /);
      }),
      { ...RUNS, numRuns: 200 },
    );
  });

  it.each([
    [['emulator', '--estate', 'samples/sample-estate.json', '--port', 'abc']],
    [['emulator', '--estate', 'samples/sample-estate.json', '--faults', 'teleport=1']],
    [['emulator', '--estate', '/nonexistent/estate.json']],
    [['sweep', '--format', 'xml']],
    [['plan', '--snapshot', '/nonexistent/snapshot.json']],
  ])('the built warden exits 2 without a stack trace for %j', async (args) => {
    expect(builtCli(), 'run `npm run build` first').toBe(true);
    count('fuzz.cli');
    const run = await spawnWarden(args, { timeoutMs: 20_000 });
    if (run.timedOut) count('hangs', 1, `cli: warden ${args.join(' ')} still running after ${run.ms} ms`);
    const trace = /\n\s+at .+:\d+:\d+/.test(run.stderr);
    if (trace || run.signal) count('crashes', 1, `cli: warden ${args.join(' ')}: ${run.stderr.split('\n')[0] ?? ''}`);
    expect(trace, run.stderr).toBe(false);
    expect([run.code, run.stderr.split('\n')[0]]).toEqual([2, expect.stringMatching(/^warden: /)]);
  });
});

/**
 * The emulator's fault classes for reliability tests: connection resets before and after the server acts,
 * requests never answered, operations that never finish, long Retry-After, token expiry, index lag, truncated
 * and malformed bodies; each scoped and counted, switched on and off while the emulator runs; and ARM's
 * conditional writes (If-None-Match / If-Match, 412 PreconditionFailed).
 */
import https from 'node:https';
import { describe, expect, it } from 'vitest';
import {
  parseFaultSpec,
  setEmulatorFaults,
  startEmulator,
  FAULTS_PATH,
  type RunningEmulator,
} from '@backup-warden/emulator';
import { aRule, anNsg, aVault, aVm, delay, errorCode, raw, SUB } from './emulatorHelpers';

const RG = (name: string) => `/subscriptions/${SUB}/resourcegroups/${name}?api-version=2025-04-01`;
const VAULT_ID = `/subscriptions/${SUB}/resourceGroups/rg-backup/providers/Microsoft.RecoveryServices/vaults`;
const VAULT = (name: string) => `${VAULT_ID}/${name}?api-version=2026-08-01`;
const NSG_ID = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-app`;
const RULE = (name: string) => `${NSG_ID}/securityRules/${name}?api-version=2026-01-01`;
const ruleBody = (priority: number, port = '443') => ({
  properties: {
    protocol: 'Tcp',
    sourcePortRange: '*',
    destinationPortRange: port,
    sourceAddressPrefix: '*',
    destinationAddressPrefix: 'Storage.EastUS',
    access: 'Allow',
    direction: 'Outbound',
    priority,
  },
});

const estate = [
  aVm({ name: 'vm-1', rg: 'rg-app' }),
  anNsg({ name: 'nsg-app', rules: [aRule('existing-443', { priority: 200 })] }),
  aVault({ name: 'rsv-existing', rg: 'rg-backup' }),
];

/** What one request ended in: an answer (possibly cut short) or a transport error. */
interface Outcome {
  status?: number;
  headers?: Record<string, string>;
  text: string;
  error?: string;
}

/** Sends one request and reports what happened on the wire, never throwing. */
function send(
  emu: RunningEmulator,
  method: string,
  pathAndQuery: string,
  opts: { body?: unknown; timeoutMs?: number; headers?: Record<string, string> } = {},
): Promise<Outcome> {
  const url = new URL(emu.endpoint + pathAndQuery);
  const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: Outcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        ca: emu.caCert,
        agent: false,
        headers: {
          authorization: `Bearer ${emu.token}`,
          ...(payload !== undefined
            ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) }
            : {}),
          ...(opts.headers ?? {}),
        },
      },
      (res) => {
        let text = '';
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') headers[k] = v;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done({ status: res.statusCode ?? 0, headers, text }));
        res.on('aborted', () => done({ status: res.statusCode ?? 0, headers, text, error: 'aborted' }));
        res.on('error', (e: NodeJS.ErrnoException) =>
          done({ status: res.statusCode ?? 0, headers, text, error: e.code ?? e.message }),
        );
      },
    );
    req.setTimeout(opts.timeoutMs ?? 10_000, () => {
      req.destroy();
      done({ text: '', error: 'timeout' });
    });
    req.on('error', (e: NodeJS.ErrnoException) => done({ text: '', error: e.code ?? e.message }));
    req.end(payload);
  });
}

async function withEmulator(faults: string | undefined, fn: (emu: RunningEmulator) => Promise<void>): Promise<void> {
  const emu = await startEmulator({ estate, lroRetryAfterSeconds: 0, ...(faults ? { faults } : {}) });
  try {
    await fn(emu);
  } finally {
    await emu.stop();
  }
}

const groups = (emu: RunningEmulator) =>
  emu
    .state()
    .resourceContainers.filter((r) => String(r['type']) === 'microsoft.resources/subscriptions/resourcegroups')
    .map((r) => String(r['name']));

describe('the fault spec grammar', () => {
  it('keeps the first grammar and adds counts, skips, scopes, new kinds and settings', () => {
    expect(parseFaultSpec('429=0.1,latency=5')).toEqual({ rates: { '429': 0.1 }, latency: { minMs: 5, maxMs: 5 } });
    const spec = parseFaultSpec(
      'reset-after=1x@PUT:*/securityRules/*,expired=1+40,hang=0.5@/subscriptions/*,lro-stuck=2x@PUT|POST,429=1x,retry-after=120,index-lag=1500@PUT',
    );
    expect(spec.rules).toEqual([
      {
        kind: 'reset-after',
        count: 1,
        scope: { methods: ['PUT'], path: '*/securityRules/*' },
        source: 'reset-after=1x@PUT:*/securityRules/*',
      },
      { kind: 'expired', rate: 1, after: 40, source: 'expired=1+40' },
      { kind: 'hang', rate: 0.5, scope: { path: '/subscriptions/*' }, source: 'hang=0.5@/subscriptions/*' },
      { kind: 'lro-stuck', count: 2, scope: { methods: ['PUT', 'POST'] }, source: 'lro-stuck=2x@PUT|POST' },
      { kind: '429', count: 1, source: '429=1x' },
    ]);
    expect(spec.retryAfterSeconds).toBe(120);
    expect(spec.indexLag).toEqual({ ms: 1500, scope: { methods: ['PUT'] } });
  });

  it.each([
    ['hang=2', /Invalid fault spec part 'hang=2': rate must be between 0 and 1/],
    ['reset-after=0x', /a count must be at least 1/],
    ['expired=1@FETCH', /unknown method 'FETCH'/],
    ['hang=1@', /the scope after '@' is empty/],
    ['hang=1@GET:vaults', /a scope path must start with '\/' or '\*'/],
    ['retry-after=0', /retry-after must be whole seconds from 1 to 86400/],
    ['index-lag=soon', /index-lag must be a positive number of milliseconds/],
    ['latency=5@GET', /latency takes no scope/],
    ['teleport=1', /unknown fault 'teleport' \(known: .*reset-before.*index-lag\)/],
  ])('names the bad part of %j', (spec, message) => {
    expect(() => parseFaultSpec(spec)).toThrow(message);
  });
});

describe('connection faults', () => {
  it('reset-before drops the connection and the write never happens', async () => {
    await withEmulator('reset-before=1x@PUT', async (emu) => {
      const r = await send(emu, 'PUT', RG('rg-new'), { body: { location: 'eastus' } });
      expect(r.status).toBeUndefined();
      expect(r.error).toMatch(/ECONNRESET|socket hang up/);
      expect(groups(emu)).not.toContain('rg-new');
      // Counted once: the next PUT goes through.
      expect((await send(emu, 'PUT', RG('rg-new'), { body: { location: 'eastus' } })).status).toBe(201);
      expect(emu.state().faults.injected).toEqual({ 'reset-before': 1 });
    });
  });

  it('reset-after drops the connection after the write took effect', async () => {
    await withEmulator('reset-after=1x@PUT:*/resourcegroups/*', async (emu) => {
      const r = await send(emu, 'PUT', RG('rg-after'), { body: { location: 'eastus' } });
      expect(r.status).toBeUndefined();
      expect(r.error).toMatch(/ECONNRESET|socket hang up/);
      expect(groups(emu)).toContain('rg-after');
      const log = emu.state().operations.filter((o) => o.path.includes('rg-after'));
      expect(log).toEqual([expect.objectContaining({ method: 'PUT', status: 0, code: 'reset-after' })]);
    });
  });

  it('hang never answers, and the emulator still stops at once', async () => {
    const emu = await startEmulator({ estate, faults: 'hang=1@GET' });
    const pending = send(emu, 'GET', RG('rg-app'), { timeoutMs: 60_000 });
    await delay(200);
    expect(emu.state().faults.injected).toEqual({ hang: 1 });
    const t0 = Date.now();
    await emu.stop();
    expect(Date.now() - t0).toBeLessThan(2000);
    const r = await pending;
    expect(r.status).toBeUndefined();
    expect(r.error).toMatch(/ECONNRESET|socket hang up/);
  });

  it('hang is seen as a timeout by a client that sets one', async () => {
    await withEmulator('hang=1x', async (emu) => {
      const r = await send(emu, 'GET', RG('rg-app'), { timeoutMs: 300 });
      expect(r.error).toBe('timeout');
      expect((await send(emu, 'GET', RG('rg-app'))).status).toBe(200);
    });
  });

  it('truncated cuts the body short after the write took effect', async () => {
    await withEmulator('truncated=1x@PUT', async (emu) => {
      const r = await send(emu, 'PUT', RG('rg-cut'), { body: { location: 'eastus' } });
      expect(r.status).toBe(201);
      expect(r.error).toBeDefined();
      expect(Number(r.headers?.['content-length'])).toBeGreaterThan(Buffer.byteLength(r.text));
      expect(groups(emu)).toContain('rg-cut');
    });
  });

  it('malformed answers a body that is not JSON', async () => {
    await withEmulator('malformed=1x@GET', async (emu) => {
      const r = await send(emu, 'GET', RG('rg-app'));
      expect(r.status).toBe(200);
      expect(r.error).toBeUndefined();
      expect(r.headers?.['content-type']).toMatch(/application\/json/);
      expect(() => JSON.parse(r.text) as unknown).toThrow();
      expect(JSON.parse((await send(emu, 'GET', RG('rg-app'))).text)).toMatchObject({ name: 'rg-app' });
    });
  });
});

describe('answer faults', () => {
  it('expired answers 401 ExpiredAuthenticationToken as ARM words it, from the Nth request on', async () => {
    await withEmulator('expired=2x+2', async (emu) => {
      const codes: (string | number)[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await raw(emu, 'GET', RG('rg-app'));
        codes.push(r.status === 200 ? 200 : (errorCode(r) ?? r.status));
        if (r.status === 401) {
          expect(r.json['error']).toMatchObject({
            message: expect.stringMatching(
              /^The access token expiry UTC time '\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M' is earlier than current UTC time '\d{1,2}\/\d{1,2}\/\d{4} \d{1,2}:\d{2}:\d{2} [AP]M'\.$/,
            ),
          });
          expect(r.headers['x-ms-failure-cause']).toBe('gateway');
        }
      }
      expect(codes).toEqual([200, 200, 'ExpiredAuthenticationToken', 'ExpiredAuthenticationToken', 200]);
    });
  });

  it('retry-after lengthens Retry-After on injected throttling and on long-running operations', async () => {
    await withEmulator('429=1x@GET,retry-after=120', async (emu) => {
      const throttled = await raw(emu, 'GET', RG('rg-app'));
      expect(throttled.status).toBe(429);
      expect(throttled.headers['retry-after']).toBe('120');
      const put = await raw(emu, 'PUT', RULE('allow-8443'), { body: ruleBody(300, '8443') });
      expect(put.status).toBe(201);
      expect(put.headers['retry-after']).toBe('120');
    });
  });

  it('lro-stuck keeps an operation InProgress until the fault is switched off', async () => {
    await withEmulator('lro-stuck=1@PUT:*/securityRules/*', async (emu) => {
      const put = await raw(emu, 'PUT', RULE('allow-stuck'), { body: ruleBody(310) });
      expect(put.status).toBe(201);
      const statusUrl = put.headers['azure-asyncoperation'] ?? '';
      expect(statusUrl).not.toBe('');
      for (let i = 0; i < 4; i++) expect((await raw(emu, 'GET', statusUrl)).json['status']).toBe('InProgress');
      expect(emu.state().asyncOperations.find((o) => o.kind === 'PutSecurityRuleOperation')).toMatchObject({
        status: 'InProgress',
        stuck: true,
      });
      emu.setFaults('');
      expect((await raw(emu, 'GET', statusUrl)).json['status']).toBe('Succeeded');
      expect(emu.state().faults.injected).toEqual({ 'lro-stuck': 1 });
    });
  });

  it('index-lag answers 404 to a GET of a resource created moments ago', async () => {
    await withEmulator('index-lag=400@PUT:*/vaults/*', async (emu) => {
      const put = await raw(emu, 'PUT', VAULT('rsv-lag'), { body: { location: 'eastus', properties: {} } });
      expect(put.status).toBe(201);
      const early = await raw(emu, 'GET', VAULT('rsv-lag'));
      expect([early.status, errorCode(early)]).toEqual([404, 'ResourceNotFound']);
      // Resources that already existed are not affected.
      expect((await raw(emu, 'GET', VAULT('rsv-existing'))).status).toBe(200);
      await delay(450);
      expect((await raw(emu, 'GET', VAULT('rsv-lag'))).status).toBe(200);
      expect(emu.state().faults.injected).toEqual({ 'index-lag': 1 });
    });
  });
});

describe('switching faults in a running emulator', () => {
  it('takes a new spec over HTTP, reports counts, and keeps the estate', async () => {
    await withEmulator(undefined, async (emu) => {
      expect((await raw(emu, 'PUT', RG('rg-kept'), { body: { location: 'eastus' } })).status).toBe(201);
      const before = emu.state().resources.length;
      const on = await raw(emu, 'PUT', FAULTS_PATH, { body: { spec: '503=1x@GET' } });
      expect(on.status).toBe(200);
      expect(on.json).toEqual({ spec: '503=1x@GET', injected: {} });
      expect((await raw(emu, 'GET', RG('rg-kept'))).status).toBe(503);
      expect((await raw(emu, 'GET', RG('rg-kept'))).status).toBe(200);
      expect((await raw(emu, 'GET', FAULTS_PATH)).json).toEqual({ spec: '503=1x@GET', injected: { '503': 1 } });
      const bad = await raw(emu, 'PUT', FAULTS_PATH, { body: { spec: 'teleport=1' } });
      expect([bad.status, errorCode(bad)]).toEqual([400, 'InvalidFaultSpec']);
      const scoped = await raw(emu, 'PUT', FAULTS_PATH, {
        body: { spec: '' },
        token: emu.issueToken([`/subscriptions/${SUB}`]),
      });
      expect(scoped.status).toBe(403);
      expect((await raw(emu, 'DELETE', FAULTS_PATH)).json).toMatchObject({ spec: '' });
      expect(emu.state().resources).toHaveLength(before);
      expect(groups(emu)).toContain('rg-kept');
    });
  });

  it('takes a new spec through setEmulatorFaults, as the warden emulator process would be told', async () => {
    await withEmulator(undefined, async (emu) => {
      const address = { endpoint: emu.endpoint, token: emu.token, caCert: emu.caCert };
      expect(await setEmulatorFaults(address, 'reset-before=1x')).toEqual({ spec: 'reset-before=1x', injected: {} });
      expect((await send(emu, 'GET', RG('rg-app'))).error).toMatch(/ECONNRESET|socket hang up/);
      expect((await setEmulatorFaults(address, '')).injected).toEqual({ 'reset-before': 1 });
      await expect(setEmulatorFaults(address, 'hang=7')).rejects.toThrow(/InvalidFaultSpec.*hang=7/);
    });
  });
});

describe('conditional writes (If-None-Match, If-Match)', () => {
  const star = { 'if-none-match': '*' };

  it('If-None-Match: * creates what does not exist and answers 412 PreconditionFailed for what does', async () => {
    await withEmulator(undefined, async (emu) => {
      const cases: [string, unknown][] = [
        [VAULT('rsv-existing'), { location: 'eastus', properties: {} }],
        [RULE('existing-443'), ruleBody(200)],
        [RG('rg-app'), { location: 'eastus' }],
      ];
      const before = JSON.stringify(emu.state().resources);
      for (const [path, body] of cases) {
        const r = await raw(emu, 'PUT', path, { body, headers: star });
        expect([r.status, errorCode(r)], path).toEqual([412, 'PreconditionFailed']);
      }
      expect(JSON.stringify(emu.state().resources)).toBe(before);
      expect((await raw(emu, 'PUT', VAULT('rsv-new'), { body: { location: 'eastus' }, headers: star })).status).toBe(
        201,
      );
      expect((await raw(emu, 'PUT', RULE('allow-new'), { body: ruleBody(320), headers: star })).status).toBe(201);
      expect(
        emu.state().asyncOperations.filter((o) => o.kind === 'UpdateVault' || o.resourceId.endsWith('existing-443')),
      ).toEqual([]);
    });
  });

  it('If-Match writes only over the etag it names', async () => {
    await withEmulator(undefined, async (emu) => {
      const current = await raw(emu, 'GET', RULE('existing-443'));
      const etag = String(current.json['etag']);
      expect(etag).toMatch(/^W\/"/);
      const stale = await raw(emu, 'PUT', RULE('existing-443'), {
        body: ruleBody(200),
        headers: { 'if-match': 'W/"00000000-0000-0000-0000-000000000000"' },
      });
      expect([stale.status, errorCode(stale)]).toEqual([412, 'PreconditionFailed']);
      const missing = await raw(emu, 'PUT', RULE('not-there'), { body: ruleBody(330), headers: { 'if-match': '*' } });
      expect([missing.status, errorCode(missing)]).toEqual([412, 'PreconditionFailed']);
      const ok = await raw(emu, 'PUT', RULE('existing-443'), { body: ruleBody(200), headers: { 'if-match': etag } });
      expect(ok.status).toBe(200);
      const vault = await raw(emu, 'GET', VAULT('rsv-existing'));
      expect(vault.json['etag']).toEqual(expect.any(String));
    });
  });
});

describe('warden emulator input', () => {
  it('names an unreadable estate file and a bad fault spec as input errors, before it listens', async () => {
    const { runEmulatorCommand, EmulatorInputError } = await import('@backup-warden/emulator/cli');
    const out = { write: () => true } as unknown as NodeJS.WritableStream;
    await expect(runEmulatorCommand({ estateFiles: ['/nonexistent/estate.json'], port: 0 }, out)).rejects.toThrow(
      new EmulatorInputError('--estate /nonexistent/estate.json: cannot read: ENOENT'),
    );
    await expect(
      runEmulatorCommand({ estateFiles: ['samples/sample-estate.json'], port: 0, faults: 'teleport=1' }, out),
    ).rejects.toBeInstanceOf(EmulatorInputError);
  });
});

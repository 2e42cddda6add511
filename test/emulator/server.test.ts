import { ResourceGraphClient } from '@azure/arm-resourcegraph';
import { ResourceManagementClient } from '@azure/arm-resources';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEmulatorCommand, estateRows } from '@backup-warden/emulator/cli';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import {
  aVault,
  aVm,
  anNsg,
  delay,
  errorCode,
  raw,
  sdkOptions,
  StaticTokenCredential,
  SUB,
  SUB2,
} from './emulatorHelpers';

const GRAPH = '/providers/Microsoft.ResourceGraph/resources?api-version=2024-04-01';

const estate = [
  aVm({ name: 'vm-web-1', rg: 'rg-app' }),
  aVm({ name: 'vm-web-2', rg: 'rg-app', power: 'PowerState/deallocated' }),
  aVm({ name: 'vm-db-1', rg: 'rg-data', location: 'westeurope' }),
  aVm({ name: 'vm-other', rg: 'rg-x', sub: SUB2 }),
  anNsg({ name: 'nsg-app', rg: 'rg-net' }),
  aVault({ name: 'rsv-eastus', rg: 'rg-backup' }),
];

describe('emulator server', () => {
  let emu: RunningEmulator;
  beforeAll(async () => {
    emu = await startEmulator({ estate, managementGroups: { 'mg-prod': [SUB] } });
  });
  afterAll(async () => {
    await emu.stop();
  });

  it('serves a real ResourceGraphClient with only endpoint, tlsOptions.ca and a token credential', async () => {
    const client = new ResourceGraphClient(new StaticTokenCredential(emu.token), sdkOptions(emu));
    const res = await client.resources({
      query: "Resources | where type =~ 'microsoft.compute/virtualmachines' | project id, name | order by name asc",
      subscriptions: [SUB],
    });
    expect(res.totalRecords).toBe(3);
    expect(res.resultTruncated).toBe('false');
    expect((res.data as { name: string }[]).map((r) => r.name)).toEqual(['vm-db-1', 'vm-web-1', 'vm-web-2']);
  });

  it('is trusted by a fresh Node process through NODE_EXTRA_CA_CERTS alone', async () => {
    const script = `require('https').get(process.argv[1], { headers: { authorization: 'Bearer ' + process.argv[2] } }, (r) => { process.stdout.write(String(r.statusCode)); r.resume(); }).on('error', (e) => { process.stdout.write(e.code || e.message); });`;
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-e', script, `${emu.endpoint}/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`, emu.token],
      {
        env: { PATH: process.env['PATH'] ?? '', NODE_EXTRA_CA_CERTS: emu.caCertPath },
      },
    );
    expect(stdout).toBe('200');
    const untrusted = await promisify(execFile)(
      process.execPath,
      ['-e', script, `${emu.endpoint}/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`, emu.token],
      {
        env: { PATH: process.env['PATH'] ?? '' },
      },
    );
    expect(untrusted.stdout).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY|DEPTH_ZERO/);
  });

  it('serves a real ResourceManagementClient: create, check and get a resource group', async () => {
    const client = new ResourceManagementClient(new StaticTokenCredential(emu.token), SUB, sdkOptions(emu));
    const created = await client.resourceGroups.createOrUpdate('rg-new', {
      location: 'eastus',
      tags: { owner: 'warden' },
    });
    expect(created.name).toBe('rg-new');
    expect(created.properties?.provisioningState).toBe('Succeeded');
    // arm-resources 8 answers checkExistence with { body: boolean } (HEAD 204 / 404).
    expect(await client.resourceGroups.checkExistence('rg-new')).toEqual({ body: true });
    expect(await client.resourceGroups.checkExistence('rg-missing')).toEqual({ body: false });
    const implicit = await client.resourceGroups.get('rg-app');
    expect(implicit.location).toBe('eastus');
    await expect(client.resourceGroups.get('rg-missing')).rejects.toMatchObject({
      statusCode: 404,
      code: 'ResourceGroupNotFound',
    });
  });

  it('answers 401 AuthenticationFailed without a token and InvalidAuthenticationToken for a foreign one', async () => {
    const none = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`, {
      token: null,
    });
    expect(none.status).toBe(401);
    expect(errorCode(none)).toBe('AuthenticationFailed');
    expect(none.headers['x-ms-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const bad = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`, {
      token: 'not-issued',
    });
    expect(bad.status).toBe(401);
    expect(errorCode(bad)).toBe('InvalidAuthenticationToken');
  });

  it('answers unknown routes 404 with an ARM error body and bad api-versions 400', async () => {
    const unknown = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.Web/sites/x?api-version=2023-01-01`,
    );
    expect(unknown.status).toBe(404);
    expect(errorCode(unknown)).toBe('InvalidResourceType');
    const badVersion = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=1999-01-01`);
    expect(badVersion.status).toBe(400);
    expect(errorCode(badVersion)).toBe('InvalidApiVersionParameter');
    const noVersion = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app`);
    expect(noVersion.status).toBe(400);
    expect(errorCode(noVersion)).toBe('MissingApiVersionParameter');
  });

  it('answers 403 AuthorizationFailed for a write outside the token scopes, and allows one inside', async () => {
    const scoped = emu.issueToken([`/subscriptions/${SUB}/resourceGroups/rg-net`]);
    const inside = await raw(
      emu,
      'GET',
      `/subscriptions/${SUB}/resourceGroups/RG-NET/providers/Microsoft.Network/networkSecurityGroups/nsg-app?api-version=2026-01-01`,
      { token: scoped },
    );
    expect(inside.status).toBe(200);
    const outside = await raw(
      emu,
      'PUT',
      `/subscriptions/${SUB}/resourceGroups/rg-app/providers/Microsoft.RecoveryServices/vaults/rsv-two?api-version=2026-07-01`,
      {
        token: scoped,
        body: { location: 'eastus', sku: { name: 'Standard' }, properties: {} },
      },
    );
    expect(outside.status).toBe(403);
    expect(errorCode(outside)).toBe('AuthorizationFailed');
    const message = String((outside.json['error'] as { message: string }).message);
    expect(message).toMatch(
      /^The client '[0-9a-f-]{36}' with object id '[0-9a-f-]{36}' does not have authorization to perform action 'Microsoft.RecoveryServices\/vaults\/write' over scope '\/subscriptions\/11111111-1111-1111-1111-111111111111\/resourceGroups\/rg-app\/providers\/Microsoft.RecoveryServices\/vaults\/rsv-two' or the scope is invalid/,
    );
    // A sibling group whose name shares the prefix is still outside.
    const sibling = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-net2?api-version=2025-04-01`, {
      token: scoped,
    });
    expect(sibling.status).toBe(403);
  });

  it('limits Resource Graph results to the scopes of a scoped token', async () => {
    const scoped = emu.issueToken([`/subscriptions/${SUB}/resourceGroups/rg-app`]);
    const r = await raw(emu, 'POST', GRAPH, {
      token: scoped,
      body: { query: "Resources | where type =~ 'microsoft.compute/virtualmachines' | project id, name" },
    });
    expect(r.status).toBe(200);
    expect((r.json['data'] as { name: string }[]).map((d) => d.name).sort()).toEqual(['vm-web-1', 'vm-web-2']);
  });

  it('scopes Resource Graph to management groups and rejects unknown ones', async () => {
    const t = emu.issueToken();
    const ok = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: {
        query: "Resources | where type =~ 'microsoft.compute/virtualmachines' | project id",
        managementGroups: ['mg-prod'],
      },
    });
    expect(ok.json['totalRecords']).toBe(3);
    const bad = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: { query: 'Resources | project id', managementGroups: ['mg-nope'] },
    });
    expect(bad.status).toBe(400);
    expect(errorCode(bad)).toBe('BadRequest');
  });

  it('reports ARM token-bucket headers: reads count down from 250, writes from 200', async () => {
    const t = emu.issueToken();
    const r1 = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`, {
      token: t,
    });
    const r2 = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`, {
      token: t,
    });
    expect(Number(r1.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBe(249);
    expect(Number(r2.headers['x-ms-ratelimit-remaining-subscription-reads'])).toBe(248);
    expect(r1.headers['x-ms-correlation-request-id']).toBeDefined();
    const w = await raw(emu, 'PUT', `/subscriptions/${SUB}/resourcegroups/rg-bucket?api-version=2025-04-01`, {
      token: t,
      body: { location: 'eastus' },
    });
    expect(w.status).toBe(201);
    expect(w.headers['x-ms-ratelimit-remaining-subscription-writes']).toBe('199');
    expect(w.headers['x-ms-ratelimit-remaining-subscription-reads']).toBeUndefined();
  });

  it('throttles ARM reads with 429 SubscriptionRequestsThrottled once the bucket is empty', async () => {
    const small = await startEmulator({
      estate,
      armLimits: { readBurst: 3, readPerSecond: 0.5, writeBurst: 2, writePerSecond: 0.5 },
    });
    try {
      const path = `/subscriptions/${SUB}/resourcegroups/rg-app?api-version=2025-04-01`;
      const statuses: number[] = [];
      let last = await raw(small, 'GET', path);
      statuses.push(last.status);
      for (let i = 0; i < 3; i++) {
        last = await raw(small, 'GET', path);
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(errorCode(last)).toBe('SubscriptionRequestsThrottled');
      expect(last.headers['retry-after']).toBe('2');
      expect(last.headers['x-ms-ratelimit-remaining-subscription-reads']).toBe('0');
      // Reads and writes have separate buckets, and another principal has its own.
      const write = await raw(small, 'PUT', `/subscriptions/${SUB}/resourcegroups/rg-w?api-version=2025-04-01`, {
        body: { location: 'eastus' },
      });
      expect(write.status).toBe(201);
      const other = await raw(small, 'GET', path, { token: small.issueToken() });
      expect(other.status).toBe(200);
    } finally {
      await small.stop();
    }
  });

  it('answers the 16th Resource Graph query within 5 s with 429 RateLimiting and quota headers', async () => {
    const t = emu.issueToken();
    const remaining: string[] = [];
    for (let i = 0; i < 15; i++) {
      const r = await raw(emu, 'POST', GRAPH, { token: t, body: { query: 'Resources | project id' } });
      expect(r.status).toBe(200);
      remaining.push(r.headers['x-ms-user-quota-remaining'] ?? '');
      expect(r.headers['x-ms-user-quota-resets-after']).toMatch(/^00:00:0[0-5]$/);
    }
    expect(remaining[0]).toBe('14');
    expect(remaining[14]).toBe('0');
    const sixteenth = await raw(emu, 'POST', GRAPH, { token: t, body: { query: 'Resources | project id' } });
    expect(sixteenth.status).toBe(429);
    expect(errorCode(sixteenth)).toBe('RateLimiting');
    expect(Number(sixteenth.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(sixteenth.headers['retry-after'])).toBeLessThanOrEqual(5);
    expect(sixteenth.headers['x-ms-user-quota-remaining']).toBe('0');
    // Another user has a quota of its own.
    const other = await raw(emu, 'POST', GRAPH, { token: emu.issueToken(), body: { query: 'Resources | project id' } });
    expect(other.status).toBe(200);
  });

  it('pages Resource Graph with $top and a $skipToken when rows project id', async () => {
    const t = emu.issueToken();
    const first = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: { query: 'Resources | project id, name | order by name asc', options: { $top: 4 } },
    });
    expect(first.json['count']).toBe(4);
    expect(first.json['totalRecords']).toBe(6);
    expect(first.json['resultTruncated']).toBe('false');
    const token = first.json['$skipToken'];
    expect(typeof token).toBe('string');
    const second = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: { query: 'Resources | project id, name | order by name asc', options: { $top: 4, $skipToken: token } },
    });
    expect(second.json['count']).toBe(2);
    expect(second.json['$skipToken']).toBeUndefined();
    const names = [...(first.json['data'] as { name: string }[]), ...(second.json['data'] as { name: string }[])].map(
      (d) => d.name,
    );
    expect(new Set(names).size).toBe(6);
    const noId = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: { query: 'Resources | project name', options: { $top: 2 } },
    });
    expect(noId.json['resultTruncated']).toBe('true');
    expect(noId.json['$skipToken']).toBeUndefined();
    expect(noId.json['count']).toBe(2);
    const tooBig = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: { query: 'Resources | project id', options: { $top: 1001 } },
    });
    expect(tooBig.status).toBe(400);
  });

  it('answers resultFormat table with columns and rows, and honours $skip', async () => {
    const t = emu.issueToken();
    const r = await raw(emu, 'POST', GRAPH, {
      token: t,
      body: {
        query: "Resources | where type =~ 'microsoft.compute/virtualmachines' | project id, name | order by name asc",
        subscriptions: [SUB],
        options: { resultFormat: 'table', $skip: 1 },
      },
    });
    const data = r.json['data'] as { columns: { name: string; type: string }[]; rows: unknown[][] };
    expect(data.columns).toEqual([
      { name: 'id', type: 'string' },
      { name: 'name', type: 'string' },
    ]);
    expect(data.rows.map((row) => row[1])).toEqual(['vm-web-1', 'vm-web-2']);
    expect(r.json['totalRecords']).toBe(3);
    expect(r.json['count']).toBe(2);
  });

  it('answers bad KQL with 400 BadRequest whose first detail is InvalidQuery', async () => {
    const r = await raw(emu, 'POST', GRAPH, { token: emu.issueToken(), body: { query: 'Resources | where' } });
    expect(r.status).toBe(400);
    const err = r.json['error'] as { code: string; message: string; details: { code: string }[] };
    expect(err.code).toBe('BadRequest');
    expect(err.message).toMatch(
      /^Please provide below info when asking for support: timestamp = .*, correlationId = [0-9a-f-]{36}\.$/,
    );
    expect(err.details[0]?.code).toBe('InvalidQuery');
    expect(r.headers['x-ms-user-quota-remaining']).toBeDefined();
  });

  it('serves the read-only state endpoint to full-access tokens only', async () => {
    const r = await raw(emu, 'GET', '/__emulator/state');
    expect(r.status).toBe(200);
    expect((r.json['resources'] as unknown[]).length).toBeGreaterThanOrEqual(6);
    const ops = r.json['operations'] as { method: string; status: number }[];
    expect(ops.some((o) => o.status === 401)).toBe(true);
    const scoped = await raw(emu, 'GET', '/__emulator/state', { token: emu.issueToken([`/subscriptions/${SUB}`]) });
    expect(scoped.status).toBe(403);
    expect(emu.state().counters.requests).toBeGreaterThan(10);
  });
});

describe('emulator indexing delay', () => {
  it('shows a write to ARM at once and to Resource Graph only after indexingDelayMs', async () => {
    const emu = await startEmulator({ estate: [aVm({ name: 'vm-a' })], indexingDelayMs: 400 });
    try {
      const put = await raw(emu, 'PUT', `/subscriptions/${SUB}/resourcegroups/rg-late?api-version=2025-04-01`, {
        body: { location: 'westus' },
      });
      expect(put.status).toBe(201);
      const q = { query: "ResourceContainers | where name == 'rg-late' | project id" };
      const before = await raw(emu, 'POST', GRAPH, { body: q });
      expect(before.json['totalRecords']).toBe(0);
      const direct = await raw(emu, 'GET', `/subscriptions/${SUB}/resourcegroups/rg-late?api-version=2025-04-01`);
      expect(direct.status).toBe(200);
      await delay(450);
      const after = await raw(emu, 'POST', GRAPH, { body: q });
      expect(after.json['totalRecords']).toBe(1);
    } finally {
      await emu.stop();
    }
  });
});

describe('runEmulatorCommand', () => {
  it('reads estate files, prints one JSON line and stops on SIGINT', async () => {
    const dir = await import('node:fs/promises').then((fs) => fs.mkdtemp('/tmp/emu-cli-'));
    const fs = await import('node:fs/promises');
    await fs.writeFile(`${dir}/a.json`, JSON.stringify({ data: [aVm({ name: 'vm-file-a' })] }));
    await fs.writeFile(`${dir}/b.json`, JSON.stringify([aVm({ name: 'vm-file-b' })]));
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString('utf8')));
    const before = process.listeners('SIGINT');
    const running = runEmulatorCommand({ estateFiles: [`${dir}/a.json`, `${dir}/b.json`], port: 0, seed: 3 }, out);
    while (!text.includes('\n')) await delay(10);
    const line = JSON.parse(text.trim()) as { endpoint: string; caCertPath: string; env: Record<string, string> };
    expect(line.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(readFileSync(line.caCertPath, 'utf8')).toContain('BEGIN CERTIFICATE');
    expect(line.env['WARDEN_ARM_ENDPOINT']).toBe(line.endpoint);
    const ca = readFileSync(line.caCertPath, 'utf8');
    const fake = { endpoint: line.endpoint, caCert: ca, token: line.env['WARDEN_ARM_TOKEN'] ?? '' } as RunningEmulator;
    const r = await raw(fake, 'POST', GRAPH, {
      body: { query: "Resources | where type =~ 'microsoft.compute/virtualmachines' | project name" },
    });
    expect((r.json['data'] as { name: string }[]).map((d) => d.name).sort()).toEqual(['vm-file-a', 'vm-file-b']);
    const added = process.listeners('SIGINT').filter((l) => !before.includes(l));
    expect(added).toHaveLength(1);
    (added[0] as () => void)();
    await running;
    expect(process.listeners('SIGINT').filter((l) => !before.includes(l))).toHaveLength(0);
  });

  it('rejects estate files that are neither an array nor {data: []}', () => {
    expect(() => estateRows('{"rows": []}', 'x.json')).toThrow(/x.json: expected a JSON array/);
    expect(estateRows('{"data": [{"id": "/a"}]}', 'y.json')).toHaveLength(1);
  });
});

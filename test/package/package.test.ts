/**
 * The deployment package, built as the deploy tools build it: `npm run build` (the predeploy hook), the repository's
 * files selected by `.funcignore` with gitignore semantics, and production dependencies only (`npm ci --omit=dev`,
 * without the workspace). In a folder holding only that package, the real @azure/functions indexes the six
 * functions through a stand-in for the host's registration hook, and one sweep runs against the emulator.
 */
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ignore from 'ignore';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from '@backup-warden/emulator';
import { startAzurite, type Azurite } from '../support/azurite';

const REPO = resolve(__dirname, '..', '..');
const STANDIN = join(__dirname, 'host-standin.cjs');
const read = (p: string): string => readFileSync(join(REPO, p), 'utf8');

/** Every file under `dir`, as a path relative to `root` with forward slashes (symbolic links are not followed). */
function walk(root: string, dir = root, skip: (rel: string) => boolean = () => false): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, entry.name);
    const rel = relative(root, abs).split(sep).join('/');
    if (skip(entry.isDirectory() ? `${rel}/` : rel)) continue;
    if (entry.isDirectory()) out.push(...walk(root, abs, skip));
    else if (entry.isFile()) out.push(rel);
  }
  return out;
}

/** Total bytes and file count of a folder. */
function sizeOf(dir: string): { bytes: number; files: number } {
  const files = walk(dir);
  return { bytes: files.reduce((n, f) => n + statSync(join(dir, f)).size, 0), files: files.length };
}
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/**
 * The production dependencies of the lockfile, installed once per lockfile into a cache folder under the system
 * temp folder (an interrupted install never leaves a half-filled cache: it is renamed into place when complete).
 */
function productionNodeModules(): string {
  const lock = read('package-lock.json');
  const key = createHash('sha256').update(read('package.json')).update(lock).digest('hex').slice(0, 16);
  const cache = join(tmpdir(), `backup-warden-prod-deps-${key}`);
  if (existsSync(join(cache, 'node_modules'))) return join(cache, 'node_modules');
  const work = mkdtempSync(join(tmpdir(), 'backup-warden-prod-deps-'));
  cpSync(join(REPO, 'package.json'), join(work, 'package.json'));
  cpSync(join(REPO, 'package-lock.json'), join(work, 'package-lock.json'));
  // --workspaces=false: the emulator workspace (and with it the Kusto parser and selfsigned) is not installed.
  execFileSync(
    'npm',
    ['ci', '--omit=dev', '--workspaces=false', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'],
    { cwd: work, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  try {
    renameSync(work, cache);
  } catch {
    rmSync(work, { recursive: true, force: true }); // another run filled the cache first
  }
  return join(cache, 'node_modules');
}

/** Runs the host stand-in in the package folder and returns what it printed. */
function standIn(
  packageDir: string,
  mode: 'index' | 'sweep',
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [STANDIN, packageDir, mode], {
      cwd: packageDir,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

interface Binding {
  type: string;
  direction: string;
  [key: string]: unknown;
}
interface Registered {
  name: string;
  bindings: Record<string, Binding>;
}

let root: string;
let packageDir: string;
let prodModules: string;
let funcignore: ReturnType<typeof ignore>;
/** Where the package's node_modules is kept between runs (filtered by .funcignore), and whether it is on loan. */
let modulesCache: string | undefined;

/**
 * The production node_modules filtered by the .funcignore rules, kept beside the cached install: some 27,000 files
 * are copied once per lockfile and .funcignore, not on every run. A run moves it into the package folder and back.
 */
function packageModules(): string {
  const key = createHash('sha256').update(read('.funcignore')).digest('hex').slice(0, 16);
  const cached = join(dirname(prodModules), `package-node_modules-${key}`);
  if (existsSync(cached)) return cached;
  const work = mkdtempSync(join(dirname(prodModules), 'package-node_modules-'));
  for (const f of walk(prodModules, prodModules, (rel) => funcignore.ignores(`node_modules/${rel}`)))
    cpSync(join(prodModules, f), join(work, f));
  try {
    renameSync(work, cached);
  } catch {
    rmSync(work, { recursive: true, force: true });
  }
  return cached;
}

beforeAll(() => {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: ['ignore', 'ignore', 'inherit'] });
  funcignore = ignore().add(read('.funcignore'));
  root = mkdtempSync(join(tmpdir(), 'warden-package-'));
  packageDir = join(root, 'package');
  mkdirSync(packageDir);
  const skipped = (rel: string): boolean => rel === '.git/' || rel === 'node_modules/' || funcignore.ignores(rel);
  for (const f of walk(REPO, REPO, skipped)) cpSync(join(REPO, f), join(packageDir, f));
  prodModules = productionNodeModules();
  const cached = packageModules();
  renameSync(cached, join(packageDir, 'node_modules'));
  modulesCache = cached;
}, 600_000);

afterAll(() => {
  if (modulesCache) {
    try {
      renameSync(join(packageDir, 'node_modules'), modulesCache);
    } catch {
      rmSync(join(packageDir, 'node_modules'), { recursive: true, force: true }); // another run refilled the cache
    }
  }
  if (root) rmSync(root, { recursive: true, force: true });
}, 600_000);

describe('.funcignore', () => {
  it('keeps the compiled functions and queries, and drops sources, tests, infra and the emulator', () => {
    for (const kept of ['dist/src/functions/index.js', 'dist/src/queries/virtual-machines.kql', 'host.json'])
      expect(funcignore.ignores(kept), kept).toBe(false);
    for (const dropped of [
      'src/functions/index.ts',
      'src/queries/virtual-machines.kql',
      'test/core/nsg.test.ts',
      'packages/emulator/src/index.ts',
      'infra/main.bicep',
      'dist/test/x.js',
      'dist/bench/run.js',
      'node_modules/@kusto/language-service-next/package.json',
      'node_modules/@backup-warden/emulator/package.json',
      'local.settings.json',
    ])
      expect(funcignore.ignores(dropped), dropped).toBe(true);
  });
});

describe('the deployment package', () => {
  it('holds main, host.json and every query, and no TypeScript, tests or emulator', () => {
    const files = walk(packageDir);
    const pkg = JSON.parse(read('package.json')) as { main: string };
    expect(files).toContain(pkg.main);
    expect(files).toContain('host.json');
    const queries = readdirSync(join(REPO, 'src', 'queries')).filter((f) => f.endsWith('.kql'));
    expect(queries.length).toBeGreaterThan(0);
    for (const q of queries) expect(files).toContain(`dist/src/queries/${q}`);
    const outside = files.filter((f) => !f.startsWith('node_modules/'));
    expect(outside.filter((f) => /^(src|test|packages|infra|bench)\//.test(f) || f.endsWith('.ts'))).toEqual([]);
    const { bytes, files: count } = sizeOf(packageDir);
    const app = outside.reduce((n, f) => n + statSync(join(packageDir, f)).size, 0);
    console.log(
      `deployment package: ${mb(bytes)} in ${count} files (app ${mb(app)} in ${outside.length} files, node_modules the rest)`,
    );
  });

  it('has production dependencies only: neither the emulator nor the Kusto parser nor selfsigned', () => {
    const top = readdirSync(join(packageDir, 'node_modules'));
    expect(top).not.toContain('@backup-warden');
    expect(top).not.toContain('@kusto');
    expect(top).not.toContain('selfsigned');
    expect(top).not.toContain('vitest');
    expect(top).toContain('@azure');

    // Before the emulator became a workspace, the Kusto parser and selfsigned (and what they need) were production
    // dependencies: the tree then was today's plus those packages, measured from the development install.
    const lock = JSON.parse(read('package-lock.json')) as {
      packages: Record<
        string,
        { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }
      >;
    };
    const closure = new Set<string>();
    const stack = ['@kusto/language-service-next', 'selfsigned'];
    while (stack.length > 0) {
      const name = stack.pop() as string;
      const entry = lock.packages[`node_modules/${name}`];
      if (closure.has(name) || !entry) continue;
      closure.add(name);
      stack.push(...Object.keys(entry.dependencies ?? {}), ...Object.keys(entry.optionalDependencies ?? {}));
    }
    const added = [...closure].filter((n) => !existsSync(join(prodModules, n)));
    expect(added).toEqual(expect.arrayContaining(['@kusto/language-service-next', 'selfsigned']));
    const after = sizeOf(prodModules);
    const extra = added
      .map((n) => join(REPO, 'node_modules', n))
      .filter((d) => existsSync(d))
      .map((d) => sizeOf(d));
    const before = extra.reduce((t, s) => ({ bytes: t.bytes + s.bytes, files: t.files + s.files }), after);
    console.log(
      `production dependency tree: before ${mb(before.bytes)} in ${before.files} files (with the Kusto parser, selfsigned ` +
        `and ${added.length - 2} packages they need); ` +
        `after ${mb(after.bytes)} in ${after.files} files`,
    );
    expect(after.bytes).toBeLessThan(before.bytes);
  });

  it('indexes its six functions through the real @azure/functions, with their triggers and settings', async () => {
    const r = await standIn(packageDir, 'index');
    expect(r.stderr).not.toMatch(/test mode/);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { programmingModel: string; functions: Registered[] };
    expect(out.programmingModel).toBe('@azure/functions');
    const trigger = (f: Registered): Binding => {
      const found = Object.values(f.bindings).find((b) => b.direction === 'in' && /Trigger$/.test(b.type));
      if (!found) throw new Error(`${f.name} has no trigger binding`);
      return found;
    };
    const byName = Object.fromEntries(
      out.functions.map((f) => {
        // `properties` holds the library's own binding flags (supportsDeferredBinding), not the app's settings.
        const { type, direction: _direction, name: _name, properties: _properties, ...settings } = trigger(f);
        return [f.name, { type, ...settings }];
      }),
    );
    const queue = (queueName: string) => ({ type: 'queueTrigger', queueName, connection: 'AzureWebJobsStorage' });
    expect(byName).toEqual({
      sweepTimer: { type: 'timerTrigger', schedule: '%WARDEN_SWEEP_SCHEDULE%' },
      sweepShard: queue('sweep-shards'),
      sweepShardPoison: queue('sweep-shards-poison'),
      remediationJob: queue('remediation-jobs'),
      remediationPoison: queue('remediation-jobs-poison'),
      vmWritten: { type: 'eventGridTrigger' },
    });
    for (const f of out.functions) expect(Object.keys(f.bindings), f.name).toHaveLength(1);
  });

  describe('on the emulator and Azurite', () => {
    let emu: RunningEmulator;
    let azurite: Azurite;
    const rows = (JSON.parse(read('samples/sample-estate.json')) as { data: { subscriptionId?: string }[] }).data;
    const subscriptions = [...new Set(rows.map((r) => r.subscriptionId).filter((s): s is string => !!s))];
    beforeAll(async () => {
      [emu, azurite] = await Promise.all([startEmulator({ estate: rows, lroRetryAfterSeconds: 0 }), startAzurite()]);
    }, 120_000);
    afterAll(async () => {
      await Promise.allSettled([emu?.stop(), azurite?.stop()]);
    });

    it('runs one sweep from the package folder: the timer enqueues shards, each shard records its findings', async () => {
      const r = await standIn(packageDir, 'sweep', {
        AzureWebJobsStorage: azurite.connectionString,
        WARDEN_ARM_ENDPOINT: emu.endpoint,
        WARDEN_ARM_TOKEN: emu.token,
        WARDEN_CA_CERT_PATH: emu.caCertPath,
        WARDEN_SUBSCRIPTIONS: subscriptions.join(','),
        WARDEN_MODE: 'report',
      });
      expect(r.code, r.stderr).toBe(0);
      const { logs } = JSON.parse(r.stdout) as { logs: { functionName: string; level: string; message: string }[] };
      expect(logs.filter((l) => l.level === 'error')).toEqual([]);
      expect(logs[0]?.message).toMatch(/^sweep [0-9a-f-]{36}: \d+ shard\(s\) enqueued on sweep-shards$/);
      const shards = logs.filter((l) => l.functionName === 'sweepShard').map((l) => l.message);
      expect(shards.length).toBeGreaterThan(0);
      expect(shards.join('\n')).toMatch(/: [1-9]\d* findings/);
      expect(shards.at(-1)).toMatch(/; sweep completed/);
      const graph = emu.state().operations.filter((o) => o.path.includes('/Microsoft.ResourceGraph/'));
      expect(graph.length).toBeGreaterThan(0);
    });
  });
});

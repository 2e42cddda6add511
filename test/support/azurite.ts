/**
 * Starts Azurite (the azurite devDependency) for a test file: in memory, on ports the OS picks.
 *
 * Azurite accepts `--blobPort 0` (etc.) and prints the port it bound ("Azurite Table service is
 * successfully listening at http://127.0.0.1:40013"), so nothing races for a port chosen in advance.
 * It runs on this process's node (Node 22, not whatever `node` is on PATH), in its own process group and
 * a scratch working directory, with `--skipApiVersionCheck` (@azure/storage-queue 12.30+ sends an API
 * version Azurite 3.37 does not know yet) and `--loose`. `stop()` kills the group.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** Azurite's well-known development account. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
/** Azurite's well-known development account key. */
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

/** A running Azurite. */
export interface Azurite {
  /** The explicit form of `UseDevelopmentStorage=true` with this instance's ports. */
  connectionString: string;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  stop(): Promise<void>;
}

const AZURITE_BIN = resolve(__dirname, '../../node_modules/azurite/dist/src/azurite.js');
const LISTENING = /Azurite (Blob|Queue|Table) service is successfully listening at http:\/\/127\.0\.0\.1:(\d+)/g;

/** Resolves once a TCP connection to the port succeeds. */
function waitForPort(port: number, deadline: number): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const attempt = (): void => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolvePort();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`Azurite did not accept connections on port ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is already gone
  }
}

/** Starts Azurite and waits until its table and queue endpoints accept connections. */
export async function startAzurite(options: { timeoutMs?: number } = {}): Promise<Azurite> {
  const workdir = mkdtempSync(join(tmpdir(), 'warden-azurite-'));
  const args = [
    AZURITE_BIN,
    '--silent',
    '--inMemoryPersistence',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
    '--blobHost',
    '127.0.0.1',
    '--blobPort',
    '0',
    '--queueHost',
    '127.0.0.1',
    '--queuePort',
    '0',
    '--tableHost',
    '127.0.0.1',
    '--tablePort',
    '0',
  ];
  const child = spawn(process.execPath, args, { cwd: workdir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let output = '';

  const ports = await new Promise<Record<string, number>>((resolvePorts, reject) => {
    const found: Record<string, number> = {};
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start within ${options.timeoutMs ?? 30_000} ms:\n${output}`)),
      Math.max(0, deadline - Date.now()),
    );
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      for (const m of output.matchAll(LISTENING)) found[(m[1] as string).toLowerCase()] = Number(m[2]);
      if (found.blob && found.queue && found.table) {
        clearTimeout(timer);
        cleanup();
        resolvePorts(found);
      }
    };
    const onExit = (code: number | null): void => fail(new Error(`Azurite exited with code ${code}:\n${output}`));
    const onError = (err: Error): void => fail(err);
    function cleanup(): void {
      child.stdout?.off('data', onData);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
    }
    function fail(err: Error): void {
      clearTimeout(timer);
      cleanup();
      killGroup(child, 'SIGKILL');
      rmSync(workdir, { recursive: true, force: true });
      reject(err);
    }
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
  // Keep draining the pipes so Azurite never blocks on a full one.
  child.stdout?.resume();
  child.stderr?.resume();

  const {
    blob: blobPort,
    queue: queuePort,
    table: tablePort,
  } = ports as { blob: number; queue: number; table: number };
  await Promise.all([waitForPort(tablePort, deadline), waitForPort(queuePort, deadline)]);

  const connectionString =
    [
      'DefaultEndpointsProtocol=http',
      `AccountName=${AZURITE_ACCOUNT}`,
      `AccountKey=${AZURITE_KEY}`,
      `BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
      `QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`,
      `TableEndpoint=http://127.0.0.1:${tablePort}/${AZURITE_ACCOUNT}`,
    ].join(';') + ';';

  // A test process that dies without calling stop() must not leave Azurite behind.
  const onParentExit = (): void => killGroup(child, 'SIGKILL');
  process.once('exit', onParentExit);

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    process.off('exit', onParentExit);
    stopped ??= new Promise<void>((resolveStop) => {
      const cleanup = (): void => {
        rmSync(workdir, { recursive: true, force: true });
        resolveStop();
      };
      if (child.exitCode !== null || child.signalCode !== null) return cleanup();
      const force = setTimeout(() => killGroup(child, 'SIGKILL'), 3_000);
      child.once('exit', () => {
        clearTimeout(force);
        cleanup();
      });
      killGroup(child, 'SIGTERM');
    });
    return stopped;
  };
  return { connectionString, blobPort, queuePort, tablePort, stop };
}

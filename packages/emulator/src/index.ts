/**
 * A local Azure emulator: an HTTPS server speaking the ARM REST contracts the real SDK clients use
 * (Resource Graph, Compute, Network, Resources, Recovery Services, Azure Backup). Point a client at
 * `endpoint`, trust `caCert` (client option `tlsOptions: { ca: caCert }`), and authenticate with `token`.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeTlsIdentity } from './cert';
import { Engine } from './engine';
import {
  FAULT_KINDS,
  formatFaultSpec,
  parseFaultSpec,
  type FaultRule,
  type FaultScope,
  type FaultSpec,
} from './faults';
import { Router } from './router';
import { backupRoutes } from './routes/backup';
import { computeRoutes } from './routes/compute';
import { networkRoutes } from './routes/network';
import { networkPathRoutes } from './routes/networkPath';
import { resourceGraphRoutes } from './routes/resourceGraph';
import { resourceRoutes } from './routes/resources';
import { vaultRoutes } from './routes/vaults';
import { applyFaultSpec, FAULTS_PATH, listen, STATE_PATH, stateDocument } from './server';
import type { ArmLimits } from './throttle';

export { FAULT_KINDS, FAULTS_PATH, formatFaultSpec, parseFaultSpec, Router, STATE_PATH };
export { setEmulatorFaults, type EmulatorAddress } from './control';
export type { FaultRule, FaultScope, FaultSpec, ArmLimits };

/** How to start the emulator. */
export interface EmulatorOptions {
  /** Resource Graph rows (Resources and RecoveryServicesResources), e.g. read from estate JSON files. */
  estate: unknown[];
  /** Port to listen on; 0 (default) picks a free one. */
  port?: number;
  /** Host to bind; default 127.0.0.1. */
  host?: string;
  /** Fault spec, e.g. `429=0.1,500=0.05,conflict=0.1,lro-fail=0.1,latency=5-50,reset-after=1x@PUT` (see faults.ts). */
  faults?: string;
  /** PRNG seed for faults and generated ids; default 1. */
  seed?: number;
  /** Resource Graph sees writes after this many milliseconds; default 0. */
  indexingDelayMs?: number;
  /** Where to write the CA certificate PEM; default a fresh folder under os.tmpdir(). */
  stateDir?: string;
  /** Management groups Resource Graph can be scoped to: name -> subscription ids. */
  managementGroups?: Record<string, string[]>;
  /** Retry-After (seconds) on long-running operations; default 1. */
  lroRetryAfterSeconds?: number;
  /** A running operation completes on its own after this many milliseconds, polled or not; default 5000. */
  lroAutoCompleteMs?: number;
  /** ARM token-bucket limits; default reads 250 burst + 25/s, writes 200 burst + 10/s. */
  armLimits?: ArmLimits;
}

/** A row of the emulator's state, in Resource Graph shape. */
export type EmulatorRow = Record<string, unknown>;

/** What `state()` and `GET /__emulator/state` return. */
export interface EmulatorState {
  resources: EmulatorRow[];
  recoveryServicesResources: EmulatorRow[];
  resourceContainers: EmulatorRow[];
  /** Every answered ARM request: method, path (with query), status and error code. */
  operations: { method: string; path: string; status: number; code?: string; at: string }[];
  /** Every long-running operation the emulator accepted. */
  asyncOperations: { id: string; kind: string; status: string; polls: number; resourceId: string; stuck?: true }[];
  counters: { requests: number; throttled: number; faultsInjected: number; byStatus: Record<string, number> };
  /** The active fault spec and the faults injected so far, by kind. */
  faults: { spec: string; injected: Record<string, number> };
  /** Every vault's backup policies, keyed by lower-case policy id. */
  backupPolicies: Record<string, Record<string, unknown>>;
}

/** A started emulator. */
export interface RunningEmulator {
  /** `https://127.0.0.1:PORT`. */
  endpoint: string;
  /** Path of the PEM file of the self-signed certificate. */
  caCertPath: string;
  /** The PEM text of the certificate. */
  caCert: string;
  /** A bearer token with full access. */
  token: string;
  /** WARDEN_ARM_ENDPOINT, WARDEN_CA_CERT_PATH, WARDEN_ARM_TOKEN. */
  env: Record<string, string>;
  /** A token limited to these ARM scope prefixes; 403 AuthorizationFailed outside them. No scopes = full access. */
  issueToken(scopes?: string[]): string;
  /** Deep copy of the current state. */
  state(): EmulatorState;
  /** Replaces the fault spec (undefined or '' clears it, releasing stuck operations); throws on a bad spec. */
  setFaults(spec: string | undefined): void;
  /** Stops the server. */
  stop(): Promise<void>;
}

/** Every route the emulator serves. */
export const ROUTES = [
  ...resourceGraphRoutes,
  ...resourceRoutes,
  ...computeRoutes,
  ...networkRoutes,
  ...networkPathRoutes,
  ...vaultRoutes,
  ...backupRoutes,
];

/** Starts the emulator and resolves once it listens. */
export async function startEmulator(opts: EmulatorOptions): Promise<RunningEmulator> {
  const faults = opts.faults ? parseFaultSpec(opts.faults) : undefined;
  const engine = new Engine({
    estate: opts.estate,
    seed: opts.seed ?? 1,
    indexingDelayMs: opts.indexingDelayMs ?? 0,
    managementGroups: opts.managementGroups ?? {},
    lroRetryAfterSeconds: opts.lroRetryAfterSeconds ?? 1,
    lroAutoCompleteMs: opts.lroAutoCompleteMs ?? 5000,
    ...(opts.armLimits ? { armLimits: opts.armLimits } : {}),
    ...(faults ? { faults } : {}),
  });
  const router = new Router(ROUTES);
  const tls = await makeTlsIdentity();
  const dir = opts.stateDir ?? (await mkdtemp(path.join(os.tmpdir(), 'warden-emulator-')));
  await mkdir(dir, { recursive: true });
  const caCertPath = path.join(dir, 'emulator-ca.pem');
  await writeFile(caCertPath, tls.cert, 'utf8');
  const host = opts.host ?? '127.0.0.1';
  const { server, port } = await listen(engine, router, tls, host, opts.port ?? 0);
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const endpoint = `https://${urlHost}:${port}`;
  engine.endpoint = endpoint;
  const token = engine.tokens.issue();
  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    caCertPath,
    caCert: tls.cert,
    token,
    env: { WARDEN_ARM_ENDPOINT: endpoint, WARDEN_CA_CERT_PATH: caCertPath, WARDEN_ARM_TOKEN: token },
    issueToken: (scopes) => engine.tokens.issue(scopes),
    state: () => stateDocument(engine),
    setFaults: (spec) => applyFaultSpec(engine, spec ? parseFaultSpec(spec) : undefined),
    stop: () => {
      stopped ??= new Promise<void>((resolve, reject) => {
        engine.faults.releaseParked();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}

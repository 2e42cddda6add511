/**
 * The composition root: the only place that constructs adapters and SDK clients. Triggers and the CLI ask
 * it for services built from an AppConfig.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { InvocationContext } from '@azure/functions';
import { InvalidResourceIdError } from './core/ids';
import { engineConfigOf, loadConfig, otherEnv, type AppConfig } from './config';
import type { Clock, InventorySource, Ledger, Remediator, ResourceReader, Scope, TelemetrySink } from './ports';
import type { EventDeps } from './app/onResourceWritten';
import type { RemediationJobDeps } from './app/remediationJob';
import type { StartSweepDeps } from './app/startSweep';
import type { SweepShardDeps } from './app/sweepShard';
import type { RemediationJobMessage, ShardMessage } from './app/messages';
import { isTransient, TransientFailureError } from './app/transient';
import { ArmResourceReader, ResourceGraphSubscriptionDirectory } from './adapters/azure/armReader';
import { ledgerFromSettings } from './adapters/storage/tableLedger';
import { MemoryLedger } from './adapters/storage/memoryLedger';
import { queueNames, StorageQueue } from './adapters/storage/queue';
import { createTelemetry } from './adapters/telemetry/appInsights';
import { SnapshotError, SnapshotInventory } from './adapters/snapshot/files';
import { createAzureClients } from './adapters/azure/clients';
import { createCredential } from './adapters/azure/credential';
import { ResourceGraphInventory, ResourceGraphQueryError } from './adapters/azure/resourceGraph';
import { AzureRemediator } from './adapters/azure/remediator';
import { toAzureError } from './adapters/azure/errors';
import type { TokenCredential } from '@azure/core-auth';

/** The wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** An inventory over exported snapshot files. */
export function snapshotInventory(files: readonly string[]): InventorySource {
  return new SnapshotInventory(files);
}

/** The services a live sweep needs. */
export interface LiveServices {
  inventory: InventorySource;
  remediator: Remediator;
  runQuery(kql: string, scope: Scope): Promise<Record<string, unknown>[]>;
}

function readCaCert(config: AppConfig): string | undefined {
  if (!config.caCertPath) return undefined;
  try {
    return readFileSync(config.caCertPath, 'utf8');
  } catch (e) {
    throw new SnapshotError(config.caCertPath, `WARDEN_CA_CERT_PATH: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

function credentialFor(config: AppConfig): TokenCredential {
  return createCredential({
    ...(config.armToken ? { staticToken: config.armToken } : {}),
    ...(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {}),
  });
}

interface AzureParts extends LiveServices {
  reader: ResourceReader;
  graph: ResourceGraphInventory;
}

function azureParts(config: AppConfig, log: (line: string) => void): AzureParts {
  const caCert = readCaCert(config);
  const clients = createAzureClients({ armEndpoint: config.armEndpoint, credential: credentialFor(config), userAgentPrefix: 'backup-warden/0.1.0', ...(caCert ? { caCert } : {}) });
  const graph = new ResourceGraphInventory({ clients, logger: log });
  return {
    graph,
    inventory: graph,
    remediator: new AzureRemediator({ clients, writeConcurrency: config.writeConcurrency }),
    reader: new ArmResourceReader(clients),
    runQuery: (kql, scope) => graph.runQuery(kql, scope),
  };
}

/** Builds the Resource Graph inventory and the remediator on the real SDK clients. */
export async function liveServices(config: AppConfig, log: (line: string) => void = () => undefined): Promise<LiveServices> {
  return azureParts(config, log);
}

/** The ledger: the `findings` table of AzureWebJobsStorage (or its identity-based form), else memory for this run. */
export function ledgerFor(config: AppConfig, env?: Record<string, string | undefined>): Ledger {
  const connectionString = otherEnv('AzureWebJobsStorage', env);
  const accountName = otherEnv('AzureWebJobsStorage__accountName', env);
  const clientId = otherEnv('AzureWebJobsStorage__clientId', env) ?? (config.managedIdentityClientId || undefined);
  if (connectionString) return ledgerFromSettings({ connectionString });
  if (accountName) return ledgerFromSettings({ accountName, credential: createCredential(clientId ? { managedIdentityClientId: clientId } : {}) });
  return new MemoryLedger();
}

/** The services of the event path, for the Function App and `warden replay-events`. */
export function eventServices(config: AppConfig, ledger: Ledger, telemetry: TelemetrySink, log: (line: string) => void = () => undefined, azure: AzureParts = azureParts(config, log)): EventDeps {
  return {
    reader: azure.reader,
    remediator: azure.remediator,
    ledger,
    telemetry,
    clock: systemClock,
    config: engineConfigOf(config),
    mode: config.mode,
    debounceMs: config.eventDebounceSeconds * 1000,
    dedupeTtlMs: config.eventDedupeHours * 3_600_000,
  };
}

/** Everything the functions need, built once per instance. */
export interface FunctionServices {
  config: AppConfig;
  scope: Scope;
  telemetry: TelemetrySink;
  startSweep: StartSweepDeps;
  sweepShard: SweepShardDeps;
  remediationJob: RemediationJobDeps;
  events: EventDeps;
}

let functionServicesPromise: Promise<FunctionServices> | undefined;

/** Builds the functions' services from the app settings, once per instance. Tests may pass their own environment. */
export function functionServices(env?: Record<string, string | undefined>): Promise<FunctionServices> {
  if (env) return buildFunctionServices(env);
  functionServicesPromise ??= buildFunctionServices(undefined);
  return functionServicesPromise;
}

async function buildFunctionServices(env: Record<string, string | undefined> | undefined): Promise<FunctionServices> {
  const config = loadConfig(env ? { env } : {});
  const connectionString = otherEnv('AzureWebJobsStorage', env);
  const accountName = otherEnv('AzureWebJobsStorage__accountName', env);
  if (!connectionString && !accountName) throw new Error('AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is required by the Function App');
  const queue = <T>(queueName: string): StorageQueue<T> =>
    connectionString
      ? new StorageQueue<T>({ connectionString, queueName })
      : new StorageQueue<T>({ accountName: accountName as string, credential: createCredential(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {}), queueName });
  const telemetry = createTelemetry({ ...(otherEnv('APPLICATIONINSIGHTS_CONNECTION_STRING', env) ? { connectionString: otherEnv('APPLICATIONINSIGHTS_CONNECTION_STRING', env) as string } : {}), cloudRole: 'backup-warden' });
  const ledger = ledgerFor(config, env);
  const azure = azureParts(config, () => undefined);
  const engine = engineConfigOf(config);
  const shardQueue = queue<ShardMessage>(queueNames.sweepShards);
  const jobQueue = queue<RemediationJobMessage>(queueNames.remediationJobs);
  return {
    config,
    scope: { subscriptions: config.subscriptions, managementGroups: config.managementGroups },
    telemetry,
    startSweep: { shardQueue, ledger, clock: systemClock, directory: new ResourceGraphSubscriptionDirectory(azure.graph), newId: randomUUID },
    sweepShard: { inventory: azure.inventory, ledger, telemetry, jobQueue, clock: systemClock, config: engine, mode: config.mode },
    remediationJob: { remediator: azure.remediator, ledger, telemetry, clock: systemClock },
    events: eventServices(config, ledger, telemetry, () => undefined, azure),
  };
}

/**
 * Settles a handler's failure: rethrows what a retry can fix (the host or Event Grid retries), and logs
 * and acknowledges the rest, with the exception in telemetry.
 */
export function settleFailure(e: unknown, context: InvocationContext, telemetry: TelemetrySink, fn: string): void {
  telemetry.exception(e, { invocationId: context.invocationId, function: fn });
  const info = toAzureError(e);
  if (e instanceof TransientFailureError || isTransient(info)) {
    context.warn(`${fn}: transient failure, retrying: ${describeError(e)}`);
    throw e;
  }
  context.error(`${fn}: permanent failure, acknowledged: ${describeError(e)}`);
}

/** True for errors caused by bad input (exit code 2): snapshots, ids, queries. */
export function isInputError(e: unknown): boolean {
  return e instanceof SnapshotError || e instanceof InvalidResourceIdError || e instanceof ResourceGraphQueryError;
}

/** A one-line description of any error, with the Azure error code when there is one. */
export function describeError(e: unknown): string {
  const info = toAzureError(e);
  return info.code && info.code !== 'Error' ? `${info.code}: ${info.message}` : info.message;
}

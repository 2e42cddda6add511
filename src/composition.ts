/**
 * The composition root: the only place that constructs adapters and SDK clients. Triggers and the CLI ask
 * it for services built from an AppConfig.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
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
import { TableLedger } from './adapters/storage/tableLedger';
import { MemoryLedger } from './adapters/storage/memoryLedger';
import type { StorageConnection } from './adapters/storage/connection';
import { StorageQueue } from './adapters/storage/queue';
import { QUEUES } from './app/queues';
import { createTelemetry } from './adapters/telemetry/appInsights';
import { ServiceTagsInventory } from './adapters/azure/serviceTags';
import { SnapshotError, SnapshotInventory } from './adapters/snapshot/files';
import { createAzureClients } from './adapters/azure/clients';
import { createCredential } from './adapters/azure/credential';
import {
  armSubscriptionProbe,
  ResourceGraphInventory,
  ResourceGraphQueryError,
  ResourceGraphRequestError,
  type ResourceGraphSettings,
} from './adapters/azure/resourceGraph';
import { AzureRemediator } from './adapters/azure/remediator';
import { toAzureError } from './adapters/azure/errors';
import type { PipelineRetryBounds, RetryOptions } from './adapters/azure/retry';
import type { TokenCredential } from '@azure/core-auth';
import type { AzureErrorInfo } from './ports';

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
    throw new SnapshotError(
      config.caCertPath,
      `WARDEN_CA_CERT_PATH: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
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

/**
 * How hard the Azure adapters retry and how often they poll. Production leaves every field at the adapters'
 * defaults (pipeline: 3 retries from 800 ms; LROs polled every 2 s; Resource Graph: 6 attempts from 500 ms);
 * tests against the local emulator shorten the waits so that a fault (`500=1`) fails in milliseconds.
 */
export interface AzureTuning {
  /** Pipeline retries per ARM request (408/429/5xx/socket errors). */
  maxRetries?: number;
  /** Backoff of those pipeline retries. */
  retryBounds?: Partial<PipelineRetryBounds>;
  /** Interval between polls of long-running operations. */
  pollIntervalMs?: number;
  /** Operation-level retries of the remediator (conflicts, operations in progress). */
  remediatorRetry?: Partial<Pick<RetryOptions, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>>;
  /** Page retries of the Resource Graph inventory. */
  resourceGraph?: Pick<ResourceGraphSettings, 'maxAttempts' | 'baseDelayMs' | 'maxDelayMs'>;
}

function azureParts(config: AppConfig, log: (line: string) => void, tuning: AzureTuning = {}): AzureParts {
  const caCert = readCaCert(config);
  const clients = createAzureClients({
    armEndpoint: config.armEndpoint,
    credential: credentialFor(config),
    userAgentPrefix: 'backup-warden/0.1.0',
    ...(caCert ? { caCert } : {}),
    ...(tuning.maxRetries !== undefined ? { maxRetries: tuning.maxRetries } : {}),
    ...(tuning.retryBounds ? { retryBounds: tuning.retryBounds } : {}),
    requestTimeoutMs: config.requestTimeoutSeconds * 1000,
  });
  const graph = new ResourceGraphInventory({
    clients,
    logger: log,
    probeSubscription: armSubscriptionProbe(clients),
    ...tuning.resourceGraph,
  });
  return {
    graph,
    // Service tags join the rows so NSG prefixes are evaluated exactly (tag names when the API can't be read).
    inventory: new ServiceTagsInventory(graph, clients),
    remediator: new AzureRemediator({
      clients,
      writeConcurrency: config.writeConcurrency,
      pollTimeoutMs: config.operationDeadlineSeconds * 1000,
      runBudgetMs: config.runBudgetSeconds * 1000,
      ...(tuning.pollIntervalMs !== undefined ? { pollIntervalMs: tuning.pollIntervalMs } : {}),
      ...(tuning.remediatorRetry ? { retry: tuning.remediatorRetry } : {}),
    }),
    reader: new ArmResourceReader(clients),
    runQuery: (kql, scope) => graph.runQuery(kql, scope),
  };
}

/** Builds the Resource Graph inventory and the remediator on the real SDK clients. */
export async function liveServices(
  config: AppConfig,
  log: (line: string) => void = () => undefined,
): Promise<LiveServices> {
  return azureParts(config, log);
}

/**
 * The storage account of AzureWebJobsStorage: its connection string, else its identity-based form
 * (`__accountName`, with `__clientId` or else the app's identity); undefined when neither is set. The one
 * place that reads these settings, for the ledger and the queues alike.
 */
export function storageConnection(
  env?: Record<string, string | undefined>,
  config?: Pick<AppConfig, 'managedIdentityClientId'>,
): StorageConnection | undefined {
  const connectionString = otherEnv('AzureWebJobsStorage', env)?.trim();
  if (connectionString) return { connectionString };
  const accountName = otherEnv('AzureWebJobsStorage__accountName', env)?.trim();
  if (!accountName) return undefined;
  const clientId = otherEnv('AzureWebJobsStorage__clientId', env) ?? (config?.managedIdentityClientId || undefined);
  return { accountName, credential: createCredential(clientId ? { managedIdentityClientId: clientId } : {}) };
}

/** The ledger: the `findings` table of AzureWebJobsStorage (or its identity-based form), else memory for this run. */
export function ledgerFor(config: AppConfig, env?: Record<string, string | undefined>): Ledger {
  const connection = storageConnection(env, config);
  return connection ? new TableLedger(connection) : new MemoryLedger();
}

/** The services of the event path, for the Function App and `warden replay-events`. */
export function eventServices(
  config: AppConfig,
  ledger: Ledger,
  telemetry: TelemetrySink,
  log: (line: string) => void = () => undefined,
  azure: AzureParts = azureParts(config, log),
): EventDeps {
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

/**
 * Builds the functions' services from the app settings, once per instance (the handlers call it with no
 * argument and share the result). With an explicit `env` it builds a fresh set from that environment
 * instead, uncached: `useFunctionServices(functionServices(env))` is how a test runs the handlers on it.
 */
export function functionServices(
  env?: Record<string, string | undefined>,
  tuning: AzureTuning = {},
): Promise<FunctionServices> {
  if (env) return buildFunctionServices(env, tuning);
  functionServicesPromise ??= buildFunctionServices(undefined, tuning);
  return functionServicesPromise;
}

/**
 * The seam for tests (the Functions host never calls it): the services the handlers' `functionServices()`
 * resolves to from now on; `undefined` forgets them, so the next call builds from the app settings again.
 */
export function useFunctionServices(services: Promise<FunctionServices> | FunctionServices | undefined): void {
  functionServicesPromise = services === undefined ? undefined : Promise.resolve(services);
}

/**
 * The PEM the telemetry exporter trusts: the system roots plus the extra CA certificates of
 * WARDEN_CA_CERT_PATH (the exporter's `tlsOptions.ca` replaces the roots, so they are added back and the
 * public IngestionEndpoint stays trusted). The file may hold several certificates, e.g. the emulator's and
 * a local ingestion capture server's: Node reads every PEM block of a `ca` string.
 */
function telemetryCa(caCert: string | undefined): string | undefined {
  return caCert ? [...rootCertificates, caCert].join('\n') : undefined;
}

async function buildFunctionServices(
  env: Record<string, string | undefined> | undefined,
  tuning: AzureTuning,
): Promise<FunctionServices> {
  const config = loadConfig(env ? { env } : {});
  const storage = storageConnection(env, config);
  if (!storage)
    throw new Error('AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is required by the Function App');
  const queue = <T>(queueName: string): StorageQueue<T> => new StorageQueue<T>({ ...storage, queueName });
  const aiConnectionString = otherEnv('APPLICATIONINSIGHTS_CONNECTION_STRING', env);
  const caCert = telemetryCa(readCaCert(config));
  const telemetry = createTelemetry({
    ...(aiConnectionString ? { connectionString: aiConnectionString } : {}),
    ...(caCert ? { caCert } : {}),
    cloudRole: 'backup-warden',
  });
  const ledger = new TableLedger(storage);
  const azure = azureParts(config, () => undefined, tuning);
  const engine = engineConfigOf(config);
  const shardQueue = queue<ShardMessage>(QUEUES.sweepShards);
  const jobQueue = queue<RemediationJobMessage>(QUEUES.remediationJobs);
  return {
    config,
    scope: { subscriptions: config.subscriptions, managementGroups: config.managementGroups },
    telemetry,
    startSweep: {
      shardQueue,
      ledger,
      clock: systemClock,
      directory: new ResourceGraphSubscriptionDirectory(azure.graph),
      newId: randomUUID,
    },
    sweepShard: {
      inventory: azure.inventory,
      ledger,
      telemetry,
      jobQueue,
      clock: systemClock,
      config: engine,
      mode: config.mode,
    },
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
  if (e instanceof TransientFailureError || isTransient(errorInfoOf(e))) {
    context.warn(`${fn}: transient failure, retrying: ${describeError(e)}`);
    throw e;
  }
  context.error(`${fn}: permanent failure, acknowledged: ${describeError(e)}`);
}

/** True for errors caused by bad input (exit code 2): snapshots, ids, queries, the emulator's arguments. */
export function isInputError(e: unknown): boolean {
  // The emulator is loaded lazily and stays out of the app's import graph, so its error is known by name.
  const emulatorInput = e instanceof Error && e.name === 'EmulatorInputError';
  return (
    emulatorInput ||
    e instanceof SnapshotError ||
    e instanceof InvalidResourceIdError ||
    e instanceof ResourceGraphQueryError
  );
}

/**
 * The Azure error of anything thrown. A Resource Graph failure carries its status in `info` (the inventory
 * wraps the SDK error after its own retries), so a 429 or 5xx that outlasted them stays transient.
 */
function errorInfoOf(e: unknown): AzureErrorInfo {
  return e instanceof ResourceGraphRequestError ? e.info : toAzureError(e);
}

/** A one-line description of any error, with the Azure error code when there is one. */
export function describeError(e: unknown): string {
  const info = errorInfoOf(e);
  if (e instanceof ResourceGraphQueryError && e.details.length > 0) {
    // The outer error is a generic BadRequest; the details say what was wrong.
    return `${info.code} (${e.details.map((d) => (d.message ? `${d.code}: ${d.message}` : d.code)).join('; ')})`;
  }
  return info.code && info.code !== 'Error' ? `${info.code}: ${info.message}` : info.message;
}

/** Telemetry for the CLI: Application Insights when APPLICATIONINSIGHTS_CONNECTION_STRING is set, else off. */
export function cliTelemetry(env?: Record<string, string | undefined>): TelemetrySink {
  const connectionString = otherEnv('APPLICATIONINSIGHTS_CONNECTION_STRING', env);
  return createTelemetry(connectionString ? { connectionString, cloudRole: 'backup-warden-cli' } : {});
}

/** True when the ledger lives in Azure Storage (AzureWebJobsStorage is set); otherwise the CLI's ledger is in memory for the run. */
export function hasStorageLedger(env?: Record<string, string | undefined>): boolean {
  return storageConnection(env) !== undefined;
}

/** Maps any error to its Azure error info, for exit codes and outcomes. */
export { toAzureError };

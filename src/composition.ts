/**
 * The composition root: the only place that constructs adapters and SDK clients. Triggers and the CLI ask
 * it for services built from an AppConfig.
 */
import { readFileSync } from 'node:fs';
import { InvalidResourceIdError } from './core/ids';
import type { AppConfig } from './config';
import type { Clock, InventorySource, Remediator, Scope } from './ports';
import { SnapshotError, SnapshotInventory } from './adapters/snapshot/files';
import { createAzureClients } from './adapters/azure/clients';
import { createCredential } from './adapters/azure/credential';
import { ResourceGraphInventory, ResourceGraphQueryError } from './adapters/azure/resourceGraph';
import { AzureRemediator } from './adapters/azure/remediator';
import { toAzureError } from './adapters/azure/errors';

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

/** Builds the Resource Graph inventory and the remediator on the real SDK clients. */
export async function liveServices(config: AppConfig, log: (line: string) => void = () => undefined): Promise<LiveServices> {
  let caCert: string | undefined;
  if (config.caCertPath) {
    try {
      caCert = readFileSync(config.caCertPath, 'utf8');
    } catch (e) {
      throw new SnapshotError(config.caCertPath, `WARDEN_CA_CERT_PATH: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const credential = createCredential({
    ...(config.armToken ? { staticToken: config.armToken } : {}),
    ...(config.managedIdentityClientId ? { managedIdentityClientId: config.managedIdentityClientId } : {}),
  });
  const clients = createAzureClients({ armEndpoint: config.armEndpoint, credential, ...(caCert ? { caCert } : {}) });
  const graph = new ResourceGraphInventory({ clients, logger: log });
  return {
    inventory: graph,
    remediator: new AzureRemediator({ clients, writeConcurrency: config.writeConcurrency }),
    runQuery: (kql, scope) => graph.runQuery(kql, scope),
  };
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

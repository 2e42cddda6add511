/**
 * The Service Tag Discovery API (`Microsoft.Network/locations/{location}/serviceTags`) through the network
 * SDK, read once per run and region for the regions of the inventory's VMs. Each body joins the rows as one
 * more row (it carries `type: Microsoft.Network/serviceTags`), so the inventory can evaluate NSG prefixes
 * exactly; a region whose list cannot be read adds a row with the error instead, and the rules fall back to
 * tag names and say so (docs/azure-facts.md §11).
 */
import type { ScopeCoverage } from '../../core/coverage';
import type { InventorySource, Scope } from '../../ports';
import type { AzureClients } from './clients';
import { toAzureErrorInfo } from './errors';

type Row = Record<string, unknown>;

const VM_TYPE = 'microsoft.compute/virtualmachines';
const SERVICE_TAGS_TYPE = 'Microsoft.Network/serviceTags';

/** The regions of the rows' VMs (lower case) and, for each, a subscription that holds a VM there. */
function vmRegions(rows: readonly unknown[]): Map<string, string> {
  const regions = new Map<string, string>();
  for (const row of rows) {
    if (typeof row !== 'object' || row === null) continue;
    const r = row as Row;
    if (typeof r.type !== 'string' || r.type.toLowerCase() !== VM_TYPE) continue;
    if (typeof r.location !== 'string' || typeof r.subscriptionId !== 'string') continue;
    const location = r.location.replace(/\s+/g, '').toLowerCase();
    if (location && !regions.has(location)) regions.set(location, r.subscriptionId);
  }
  return regions;
}

/** Reads the service tags of one region: the list, and when it is paged, every page of the tag information. */
export async function readServiceTags(clients: AzureClients, subscriptionId: string, location: string): Promise<Row> {
  const network = clients.network(subscriptionId);
  const result = await network.serviceTags.list(location);
  const body: Row = { ...(result as unknown as Row), type: result.type ?? SERVICE_TAGS_TYPE };
  if (result.nextLink) {
    const values: unknown[] = [];
    for await (const tag of network.serviceTagInformationOperations.list(location)) values.push(tag);
    body.values = values;
    delete body.nextLink;
  }
  return body;
}

/** An inventory source that adds the Service Tag Discovery API's bodies to another source's rows. */
export class ServiceTagsInventory implements InventorySource {
  constructor(
    private readonly inner: InventorySource,
    private readonly clients: AzureClients,
  ) {}

  /** The inner rows, then one service-tags row per VM region (cached for this run only). */
  async fetchRows(scope: Scope): Promise<unknown[]> {
    const rows = await this.inner.fetchRows(scope);
    for (const row of await this.serviceTagRows(vmRegions(rows))) rows.push(row);
    return rows;
  }

  /** The inner source's pages (streamed when it streams), then the service-tags rows of the VMs' regions. */
  async eachPage(scope: Scope, onPage: (rows: readonly unknown[]) => void): Promise<void> {
    const regions = new Map<string, string>();
    const collect = (rows: readonly unknown[]): void => {
      for (const [l, s] of vmRegions(rows)) if (!regions.has(l)) regions.set(l, s);
      onPage(rows);
    };
    if (this.inner.eachPage) await this.inner.eachPage(scope, collect);
    else collect(await this.inner.fetchRows(scope));
    onPage(await this.serviceTagRows(regions));
  }

  /** The inner source's coverage: the service tags read here cover no scope of their own. */
  scopeCoverage(scope: Scope): Promise<ScopeCoverage | undefined> {
    return this.inner.scopeCoverage ? this.inner.scopeCoverage(scope) : Promise.resolve(undefined);
  }

  private async serviceTagRows(regions: ReadonlyMap<string, string>): Promise<Row[]> {
    const rows: Row[] = [];
    for (const [location, subscriptionId] of [...regions].sort(([a], [b]) => a.localeCompare(b))) {
      const id = `/subscriptions/${subscriptionId}/providers/Microsoft.Network/locations/${location}/serviceTags`;
      try {
        rows.push({ ...(await readServiceTags(this.clients, subscriptionId, location)), location });
      } catch (e) {
        const info = toAzureErrorInfo(e);
        rows.push({ id, type: SERVICE_TAGS_TYPE, location, error: `${info.code}: ${info.message} (${id})` });
      }
    }
    return rows;
  }
}

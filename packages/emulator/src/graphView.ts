/**
 * What Resource Graph shows beyond the stored rows, derived from the indexed rows at query time so
 * that seeded and written resources alike have it:
 * - an NSG row's `properties.networkInterfaces[]` and `properties.subnets[]` back-references (as the
 *   ARM GET of NetworkSecurityGroupGet.json has them);
 * - `RecoveryServicesResources` rows for every vault's backup policies
 *   (`microsoft.recoveryservices/vaults/backuppolicies`, ProtectionPolicies_Get.json) and backup jobs
 *   (`microsoft.recoveryservices/vaults/backupjobs`), beside the protected items.
 */
import type { Engine } from './engine';
import { jobBody } from './routes/backup';
import { POLICY_TYPE, TYPES, type Row, type TableName } from './state';
import { asArray, asRecord, asString, clone, normId } from './util';

function nsgRef(props: Record<string, unknown> | undefined): string | undefined {
  return asString(asRecord(props?.['networkSecurityGroup'])?.['id']);
}

function mergeRefs(list: unknown, ids: readonly string[]): unknown[] {
  const out = asArray(list).slice();
  const have = new Set(out.map((r) => normId(asString(asRecord(r)?.['id']) ?? '')));
  for (const id of ids) {
    if (have.has(normId(id))) continue;
    have.add(normId(id));
    out.push({ id });
  }
  return out;
}

/** NSG rows with the NICs and subnets that reference them. */
function withNsgBackReferences(rows: readonly Row[]): Row[] {
  const nicsOf = new Map<string, string[]>();
  const subnetsOf = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, nsg: string, id: string): void => {
    const key = normId(nsg);
    const list = map.get(key);
    if (list) list.push(id);
    else map.set(key, [id]);
  };
  for (const r of rows) {
    if (r['type'] === TYPES.nic) {
      const nsg = nsgRef(asRecord(r['properties']));
      if (nsg) add(nicsOf, nsg, String(r['id']));
    } else if (r['type'] === TYPES.vnet) {
      for (const sub of asArray(asRecord(r['properties'])?.['subnets'])) {
        const s = asRecord(sub);
        const nsg = nsgRef(asRecord(s?.['properties']));
        if (nsg)
          add(subnetsOf, nsg, asString(s?.['id']) ?? `${String(r['id'])}/subnets/${asString(s?.['name']) ?? ''}`);
      }
    }
  }
  return rows.map((r) => {
    if (r['type'] !== TYPES.nsg) return r;
    const key = normId(String(r['id']));
    const nics = nicsOf.get(key) ?? [];
    const subnets = subnetsOf.get(key) ?? [];
    const props = asRecord(r['properties']);
    if (!props || (nics.length === 0 && subnets.length === 0)) return r;
    const p = { ...props };
    if (nics.length > 0) p['networkInterfaces'] = mergeRefs(p['networkInterfaces'], nics);
    if (subnets.length > 0) p['subnets'] = mergeRefs(p['subnets'], subnets);
    return { ...r, properties: p };
  });
}

/** A vault's child (policy or job) as a Resource Graph row of RecoveryServicesResources. */
function childRow(vault: Readonly<Row>, body: Record<string, unknown>, type: string): Row {
  return {
    id: asString(body['id']) ?? '',
    name: asString(body['name']) ?? '',
    type,
    tenantId: vault['tenantId'] ?? '',
    kind: '',
    location: vault['location'] ?? '',
    resourceGroup: vault['resourceGroup'] ?? '',
    subscriptionId: vault['subscriptionId'] ?? '',
    managedBy: '',
    sku: null,
    plan: null,
    properties: clone(asRecord(body['properties']) ?? {}),
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

/** The tables Resource Graph answers from: the indexed rows plus what is derived from them. */
export function graphView(engine: Engine): Record<TableName, Row[]> {
  const indexed = engine.store.graphTables();
  const resources = withNsgBackReferences(indexed.Resources);
  // Policies are served from each vault's backup state (which estate policy rows seed), once each.
  const recovery: Row[] = indexed.RecoveryServicesResources.filter((r) => r['type'] !== POLICY_TYPE);
  for (const vault of indexed.Resources) {
    if (vault['type'] !== TYPES.vault) continue;
    const state = engine.store.vaultBackup(String(vault['id']));
    for (const policy of state.policies.values()) {
      const row = childRow(vault, policy, 'microsoft.recoveryservices/vaults/backuppolicies');
      const policyId = normId(String(row['id']));
      const count = indexed.RecoveryServicesResources.filter(
        (item) => normId(asString(asRecord(item['properties'])?.['policyId']) ?? '') === policyId,
      ).length;
      (row['properties'] as Record<string, unknown>)['protectedItemsCount'] = count;
      recovery.push(row);
    }
    for (const job of state.jobs.values()) {
      recovery.push(childRow(vault, jobBody(engine, job), 'microsoft.recoveryservices/vaults/backupjobs'));
    }
  }
  return {
    Resources: resources,
    RecoveryServicesResources: recovery,
    ResourceContainers: [...indexed.ResourceContainers],
  };
}

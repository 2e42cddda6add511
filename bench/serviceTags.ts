/**
 * A Service Tag Discovery API body at the real list's scale for the bench estate's regions: each
 * `Storage.<Region>` holds a few hundred prefixes and each `AzureCloud.<Region>` over a thousand, as the
 * published list does, so exact evaluation is measured against realistic interval sets.
 */

const REGIONS: [location: string, name: string][] = [
  ['eastus', 'EastUS'],
  ['westeurope', 'WestEurope'],
  ['japaneast', 'JapanEast'],
];

function entry(name: string, region: string, addressPrefixes: string[]): Record<string, unknown> {
  return { name, id: name, properties: { changeNumber: '1', region, systemService: '', addressPrefixes } };
}

/** The body, with `storagePrefixes` /24s of Storage per region inside `5 ×` as many /24s of AzureCloud. */
export function benchServiceTags(storagePrefixes = 300): Record<string, unknown> {
  const values: Record<string, unknown>[] = [];
  const allStorage: string[] = [];
  REGIONS.forEach(([location, name], r) => {
    const cloud: string[] = [];
    const storage: string[] = [];
    for (let i = 0; i < storagePrefixes * 5; i++) {
      const prefix = `${20 + r * 20 + Math.floor(i / 256)}.${i % 256}.${(i * 7) % 256}.0/24`;
      cloud.push(prefix);
      if (i % 5 === 0) storage.push(prefix);
    }
    storage.push(`2603:10${r}0::/40`);
    allStorage.push(...storage);
    values.push(entry(`Storage.${name}`, location, storage), entry(`AzureCloud.${name}`, location, cloud));
  });
  values.push(entry('Storage', '', allStorage));
  return {
    name: 'public',
    id: '/subscriptions/00000000-0000-4000-8000-000000000001/providers/Microsoft.Network/serviceTags/public',
    type: 'Microsoft.Network/serviceTags',
    changeNumber: '63',
    cloud: 'Public',
    values,
  };
}

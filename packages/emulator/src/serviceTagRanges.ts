/**
 * The emulator's Service Tag Discovery API data (ServiceTagsList.json's shape): for each region it serves,
 * `Storage.<Region>`, `AzureCloud.<Region>` (with Microsoft's irregular regional names, e.g.
 * `AzureCloud.germanywc`) and `AzureBackup.<Region>`, plus their global forms. The ranges are generated
 * here, deterministically: public-looking IPv4 blocks per region (Storage inside AzureCloud) and one IPv6
 * block, as the real list carries both.
 */
import { REGIONS } from './serviceTags';

/** AzureCloud tags whose regional names don't follow `AzureCloud.<Region>` (Microsoft's service tag overview). */
export const AZURECLOUD_IRREGULAR_NAMES: Readonly<Record<string, string>> = {
  francecentral: 'AzureCloud.centralfrance',
  francesouth: 'AzureCloud.southfrance',
  germanywestcentral: 'AzureCloud.germanywc',
  germanynorth: 'AzureCloud.germanyn',
  norwayeast: 'AzureCloud.norwaye',
  norwaywest: 'AzureCloud.norwayw',
  switzerlandnorth: 'AzureCloud.switzerlandn',
  switzerlandwest: 'AzureCloud.switzerlandw',
};

/** The PascalCase spelling of each region in tag names (`Storage.EastUS`), as the public list writes them. */
export const TAG_REGION_NAMES: Readonly<Record<string, string>> = {
  eastus: 'EastUS',
  eastus2: 'EastUS2',
  eastus3: 'EastUS3',
  westus: 'WestUS',
  westus2: 'WestUS2',
  westus3: 'WestUS3',
  centralus: 'CentralUS',
  northcentralus: 'NorthCentralUS',
  southcentralus: 'SouthCentralUS',
  westcentralus: 'WestCentralUS',
  canadacentral: 'CanadaCentral',
  canadaeast: 'CanadaEast',
  brazilsouth: 'BrazilSouth',
  brazilsoutheast: 'BrazilSoutheast',
  mexicocentral: 'MexicoCentral',
  chilecentral: 'ChileCentral',
  northeurope: 'NorthEurope',
  westeurope: 'WestEurope',
  uksouth: 'UKSouth',
  ukwest: 'UKWest',
  francecentral: 'FranceCentral',
  francesouth: 'FranceSouth',
  germanywestcentral: 'GermanyWestCentral',
  germanynorth: 'GermanyNorth',
  switzerlandnorth: 'SwitzerlandNorth',
  switzerlandwest: 'SwitzerlandWest',
  norwayeast: 'NorwayEast',
  norwaywest: 'NorwayWest',
  swedencentral: 'SwedenCentral',
  swedensouth: 'SwedenSouth',
  polandcentral: 'PolandCentral',
  italynorth: 'ItalyNorth',
  spaincentral: 'SpainCentral',
  austriaeast: 'AustriaEast',
  belgiumcentral: 'BelgiumCentral',
  denmarkeast: 'DenmarkEast',
  eastasia: 'EastAsia',
  southeastasia: 'SoutheastAsia',
  japaneast: 'JapanEast',
  japanwest: 'JapanWest',
  koreacentral: 'KoreaCentral',
  koreasouth: 'KoreaSouth',
  australiaeast: 'AustraliaEast',
  australiasoutheast: 'AustraliaSoutheast',
  australiacentral: 'AustraliaCentral',
  australiacentral2: 'AustraliaCentral2',
  centralindia: 'CentralIndia',
  southindia: 'SouthIndia',
  westindia: 'WestIndia',
  jioindiawest: 'JioIndiaWest',
  jioindiacentral: 'JioIndiaCentral',
  uaenorth: 'UAENorth',
  uaecentral: 'UAECentral',
  southafricanorth: 'SouthAfricaNorth',
  southafricawest: 'SouthAfricaWest',
  qatarcentral: 'QatarCentral',
  israelcentral: 'IsraelCentral',
  newzealandnorth: 'NewZealandNorth',
  indonesiacentral: 'IndonesiaCentral',
  malaysiawest: 'MalaysiaWest',
  taiwannorth: 'TaiwanNorth',
  taiwannorthwest: 'TaiwanNorthwest',
};

/** A region's spelling in tag names; an unlisted region keeps its ARM name. */
export function tagRegionName(region: string): string {
  return TAG_REGION_NAMES[region] ?? region;
}

/** One tag entry in the published shape. */
function entry(
  name: string,
  region: string,
  systemService: string,
  addressPrefixes: string[],
): Record<string, unknown> {
  return { name, id: name, properties: { changeNumber: '1', region, state: 'GA', systemService, addressPrefixes } };
}

/** The generated ranges of one region (by its index in the emulator's region list). */
export function regionRanges(index: number): { storage: string[]; azureCloud: string[]; backup: string[] } {
  const a = 128 + (index % 96); // 52.128-52.223: one /16 of AzureCloud per region
  const b = 40 + (index % 80); // 20.40-20.119
  const v6 = (0x1000 + index).toString(16);
  return {
    storage: [`52.${a}.16.0/20`, `20.${b}.64.0/22`, `20.${b}.72.0/23`, `2603:${v6}:4::/48`],
    azureCloud: [`52.${a}.0.0/16`, `20.${b}.0.0/16`, `2603:${v6}::/32`],
    backup: [`20.${b}.128.0/26`],
  };
}

/** The whole list, as `GET .../locations/{location}/serviceTags` returns it for any location of the cloud. */
export function serviceTagsList(subscriptionId: string): Record<string, unknown> {
  const regions = [...REGIONS].sort();
  const values: Record<string, unknown>[] = [];
  const all = { storage: [] as string[], azureCloud: [] as string[], backup: [] as string[] };
  regions.forEach((region, i) => {
    const r = regionRanges(i);
    const name = tagRegionName(region);
    values.push(entry(`Storage.${name}`, region, 'AzureStorage', r.storage));
    values.push(entry(AZURECLOUD_IRREGULAR_NAMES[region] ?? `AzureCloud.${name}`, region, '', r.azureCloud));
    values.push(entry(`AzureBackup.${name}`, region, 'AzureBackup', r.backup));
    all.storage.push(...r.storage);
    all.azureCloud.push(...r.azureCloud);
    all.backup.push(...r.backup);
  });
  values.unshift(
    entry('AzureBackup', '', 'AzureBackup', all.backup),
    entry('AzureCloud', '', '', all.azureCloud),
    entry('Storage', '', 'AzureStorage', all.storage),
  );
  return {
    name: 'public',
    id: `/subscriptions/${subscriptionId}/providers/Microsoft.Network/serviceTags/public`,
    type: 'Microsoft.Network/serviceTags',
    changeNumber: '63',
    cloud: 'Public',
    values,
  };
}

/** The IPv4 and IPv6 prefixes of a tag name (case-insensitive), or undefined when the list has no such tag. */
export function prefixesOfTag(tag: string): string[] | undefined {
  const wanted = tag.toLowerCase();
  const list = serviceTagsList('sub').values as { name: string; properties: { addressPrefixes: string[] } }[];
  return list.find((v) => v.name.toLowerCase() === wanted)?.properties.addressPrefixes;
}

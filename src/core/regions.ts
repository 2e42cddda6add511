/**
 * Azure locations and their service-tag spellings. ARM returns a location as a name (`eastus`), and some
 * payloads carry the display name (`East US`); NSG service tags spell the region in PascalCase
 * (`Storage.EastUS`, `Storage.SouthCentralUS`). Tags are read case-insensitively (docs/azure-facts.md §3), but
 * backup-warden writes the canonical spelling.
 * Spellings follow the public ServiceTags list (Get-AzNetworkServiceTag, azure-docs service-tags-overview).
 */

/**
 * Public-cloud location name → service-tag region spelling. The keys are the lower-case ARM location
 * names; each value lower-cased equals its key.
 */
export const SERVICE_TAG_REGIONS: Readonly<Record<string, string>> = Object.freeze({
  // Americas
  eastus: 'EastUS',
  eastus2: 'EastUS2',
  centralus: 'CentralUS',
  northcentralus: 'NorthCentralUS',
  southcentralus: 'SouthCentralUS',
  westcentralus: 'WestCentralUS',
  westus: 'WestUS',
  westus2: 'WestUS2',
  westus3: 'WestUS3',
  canadacentral: 'CanadaCentral',
  canadaeast: 'CanadaEast',
  brazilsouth: 'BrazilSouth',
  brazilsoutheast: 'BrazilSoutheast',
  mexicocentral: 'MexicoCentral',
  chilecentral: 'ChileCentral',
  centraluseuap: 'CentralUSEUAP',
  eastus2euap: 'EastUS2EUAP',
  // Europe
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
  // Middle East and Africa
  uaenorth: 'UAENorth',
  uaecentral: 'UAECentral',
  qatarcentral: 'QatarCentral',
  israelcentral: 'IsraelCentral',
  southafricanorth: 'SouthAfricaNorth',
  southafricawest: 'SouthAfricaWest',
  // Asia Pacific
  eastasia: 'EastAsia',
  southeastasia: 'SoutheastAsia',
  japaneast: 'JapanEast',
  japanwest: 'JapanWest',
  koreacentral: 'KoreaCentral',
  koreasouth: 'KoreaSouth',
  centralindia: 'CentralIndia',
  southindia: 'SouthIndia',
  westindia: 'WestIndia',
  jioindiacentral: 'JioIndiaCentral',
  jioindiawest: 'JioIndiaWest',
  australiaeast: 'AustraliaEast',
  australiasoutheast: 'AustraliaSoutheast',
  australiacentral: 'AustraliaCentral',
  australiacentral2: 'AustraliaCentral2',
  newzealandnorth: 'NewZealandNorth',
  indonesiacentral: 'IndonesiaCentral',
  malaysiawest: 'MalaysiaWest',
});

/** Normalises a location as ARM returns it ('East US', 'eastus', 'EastUS') to the lower-case name 'eastus'. */
export function normaliseLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

/** The canonical service-tag region spelling, e.g. 'EastUS' for 'eastus'; undefined for an unknown location. */
export function serviceTagRegion(location: string): string | undefined {
  const name = normaliseLocation(location);
  return Object.hasOwn(SERVICE_TAG_REGIONS, name) ? SERVICE_TAG_REGIONS[name] : undefined;
}

/**
 * `Storage.EastUS` for 'eastus'. An unknown location falls back to `Storage.<normalised location>`: NSGs read
 * tags case-insensitively, so the tag still names the right region if Azure has it.
 */
export function storageServiceTag(location: string): string {
  return `Storage.${serviceTagRegion(location) ?? normaliseLocation(location)}`;
}

/** True when two locations are the same region ('East US' and 'eastus' are); an empty or absent location matches nothing. */
export function sameLocation(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const left = normaliseLocation(a);
  return left !== '' && left === normaliseLocation(b);
}

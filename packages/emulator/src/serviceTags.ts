/**
 * Service tags an NSG rule may name (https://learn.microsoft.com/azure/virtual-network/service-tags-overview),
 * with the tags that also come in a regional form (`Storage.EastUS`). Compared case-insensitively,
 * as the Network provider does.
 */

/** Azure public regions, as they appear in regional service tags (lower-case). */
export const REGIONS: ReadonlySet<string> = new Set([
  'eastus',
  'eastus2',
  'eastus3',
  'westus',
  'westus2',
  'westus3',
  'centralus',
  'northcentralus',
  'southcentralus',
  'westcentralus',
  'canadacentral',
  'canadaeast',
  'brazilsouth',
  'brazilsoutheast',
  'mexicocentral',
  'chilecentral',
  'northeurope',
  'westeurope',
  'uksouth',
  'ukwest',
  'francecentral',
  'francesouth',
  'germanywestcentral',
  'germanynorth',
  'switzerlandnorth',
  'switzerlandwest',
  'norwayeast',
  'norwaywest',
  'swedencentral',
  'swedensouth',
  'polandcentral',
  'italynorth',
  'spaincentral',
  'austriaeast',
  'belgiumcentral',
  'denmarkeast',
  'eastasia',
  'southeastasia',
  'japaneast',
  'japanwest',
  'koreacentral',
  'koreasouth',
  'australiaeast',
  'australiasoutheast',
  'australiacentral',
  'australiacentral2',
  'centralindia',
  'southindia',
  'westindia',
  'jioindiawest',
  'jioindiacentral',
  'uaenorth',
  'uaecentral',
  'southafricanorth',
  'southafricawest',
  'qatarcentral',
  'israelcentral',
  'newzealandnorth',
  'indonesiacentral',
  'malaysiawest',
  'taiwannorth',
  'taiwannorthwest',
]);

/** Tags without a regional form. */
const GLOBAL_TAGS = [
  'VirtualNetwork',
  'Internet',
  'AzureLoadBalancer',
  'AzureActiveDirectory',
  'AzureTrafficManager',
  'GatewayManager',
  'AzureResourceManager',
  'AzurePortal',
  'AzureFrontDoor.Backend',
  'AzureFrontDoor.Frontend',
  'AzureFrontDoor.FirstParty',
  'MicrosoftContainerRegistry',
  'GuestAndHybridManagement',
  'AzureUpdateDelivery',
  'AzurePlatformDNS',
  'AzurePlatformIMDS',
  'AzurePlatformLKM',
  'AzureDevOps',
  'AzureMonitorForSAP',
  'PowerBI',
  'PowerPlatformInfra',
  'ActionGroup',
  'ApplicationInsightsAvailability',
  'AzureCognitiveSearch',
  'LogicAppsManagement',
];

/** Tags that also exist as `Tag.Region`. */
const REGIONAL_TAGS = [
  'AzureCloud',
  'Storage',
  'Sql',
  'SqlManagement',
  'AzureMonitor',
  'EventHub',
  'ServiceBus',
  'AzureKeyVault',
  'AzureContainerRegistry',
  'AppService',
  'AppServiceManagement',
  'ApiManagement',
  'AzureCosmosDB',
  'AzureBackup',
  'AzureSiteRecovery',
  'AzureConnectors',
  'AzureMachineLearning',
  'BatchNodeManagement',
  'HDInsight',
  'DataFactory',
  'AzureDataLake',
  'AzureDatabricks',
  'AzureSignalR',
  'MicrosoftCloudAppSecurity',
  'AzureArcInfrastructure',
  'AzureBotService',
  'CognitiveServicesManagement',
  'LogicApps',
  'StorageSyncService',
  'WindowsVirtualDesktop',
];

const GLOBAL = new Set(GLOBAL_TAGS.map((t) => t.toLowerCase()));
const REGIONAL = new Set(REGIONAL_TAGS.map((t) => t.toLowerCase()));

/** AzureCloud regional tags named outside the `Tag.Region` scheme (Microsoft's service tag overview lists them). */
const IRREGULAR = new Set([
  'azurecloud.centralfrance',
  'azurecloud.southfrance',
  'azurecloud.germanywc',
  'azurecloud.germanyn',
  'azurecloud.norwaye',
  'azurecloud.norwayw',
  'azurecloud.switzerlandn',
  'azurecloud.switzerlandw',
]);

/** Classifies an address prefix that is not '*' and not an IP/CIDR: a valid tag or not. */
export function isKnownServiceTag(value: string): boolean {
  const v = value.toLowerCase();
  if (GLOBAL.has(v) || REGIONAL.has(v) || IRREGULAR.has(v)) return true;
  const dot = v.lastIndexOf('.');
  if (dot <= 0) return false;
  const base = v.slice(0, dot);
  const region = v.slice(dot + 1);
  return REGIONAL.has(base) && REGIONS.has(region);
}

/** True for an IPv4/IPv6 address or CIDR. */
export function isIpOrCidr(value: string): boolean {
  const [addr, bits, ...rest] = value.split('/');
  if (rest.length > 0 || addr === undefined) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) {
    if (!addr.split('.').every((o) => Number(o) <= 255)) return false;
    return bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32);
  }
  if (/^[0-9a-f:]+$/i.test(addr) && addr.includes(':')) {
    return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= 128);
  }
  return false;
}

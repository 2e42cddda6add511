// backup-warden: the Function App and what it runs on, in one resource group of the host subscription.
// The permissions in the swept subscriptions (or management group) and the Event Grid wiring are
// deployed separately, per target, from infra/targets/ (see infra/README.md and infra/scripts/).
targetScope = 'subscription'

// ----- azd -----------------------------------------------------------------------------------------

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; with the subscription and the location it seeds every resource name.')
param environmentName string

@minLength(1)
@description('Region of every resource. It must offer the Flex Consumption plan (az functionapp list-flexconsumption-locations).')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Resource group to create; rg-<environmentName> when empty.')
param resourceGroupName string = ''

// ----- the app settings (src/config.ts SETTINGS); defaults are the app's defaults -----------------

@allowed([
  'report'
  'remediate'
])
@description('WARDEN_MODE: report changes nothing; remediate applies the planned fixes.')
param wardenMode string = 'report'

@description('WARDEN_SUBSCRIPTIONS: comma-separated subscription ids to sweep; empty sweeps every subscription the identity can read.')
param wardenSubscriptions string = ''

@description('WARDEN_MANAGEMENT_GROUPS: comma-separated management group ids to sweep.')
param wardenManagementGroups string = ''

@description('WARDEN_EXEMPT_TAG: the tag that exempts a resource.')
param wardenExemptTag string = 'backup-exempt'

@description('WARDEN_VAULT_TAG: the tag that names a VM\'s designated vault.')
param wardenVaultTag string = 'backup-vault'

@description('WARDEN_VAULT_RESOURCE_GROUP: where new vaults go (in each target subscription).')
param wardenVaultResourceGroup string = 'rg-backup-warden'

@description('WARDEN_VAULT_NAME_TEMPLATE: the name of new vaults; {location} and {subscriptionId} are replaced.')
param wardenVaultNameTemplate string = 'rsv-backup-{location}'

@allowed([
  'GeoRedundant'
  'LocallyRedundant'
  'ZoneRedundant'
])
@description('WARDEN_STORAGE_REDUNDANCY: redundancy of new vaults, and the expected one of existing vaults.')
param wardenStorageRedundancy string = 'GeoRedundant'

@description('WARDEN_POLICY_NAME: the backup policy in the chosen vault.')
param wardenPolicyName string = 'DefaultPolicy'

@description('WARDEN_INCLUDE_PORT_80: also require port 80 (unmanaged disks on unencrypted storage).')
param wardenIncludePort80 bool = false

@description('WARDEN_OVERRIDE_EXPLICIT_STORAGE_DENY: plan an allow rule even above a deny that explicitly targets Storage.')
param wardenOverrideExplicitStorageDeny bool = false

@description('WARDEN_INITIAL_BACKUP: trigger a first backup after enabling protection.')
param wardenInitialBackup bool = false

@minValue(1)
@maxValue(99)
@description('WARDEN_INITIAL_BACKUP_RETENTION_DAYS: retention of that first recovery point.')
param wardenInitialBackupRetentionDays int = 30

@minValue(0)
@maxValue(10000)
@description('WARDEN_MAX_ACTIONS: the blast-radius cap per run.')
param wardenMaxActions int = 50

@description('WARDEN_MIN_WINDOWS_AGENT_VERSION: the oldest acceptable Windows guest agent.')
param wardenMinWindowsAgentVersion string = '2.6.1198.718'

@description('WARDEN_ENHANCED_POLICY_NAME: the Enhanced (V2) policy for VMs that need one; created in the vault when missing.')
param wardenEnhancedPolicyName string = 'EnhancedPolicy'

@minValue(0)
@maxValue(744)
@description('WARDEN_BACKUP_GRACE_HOURS: hours a recovery point may be late beyond its policy schedule.')
param wardenBackupGraceHours int = 12

@description('WARDEN_VAULT_SUBSCRIPTION: central backup subscription (Cross Subscription Backup); empty: each VM\'s own.')
param wardenVaultSubscription string = ''

@allowed(['Enabled', 'Disabled'])
@description('WARDEN_VAULT_PUBLIC_NETWORK_ACCESS: publicNetworkAccess of the vaults backup-warden creates.')
param wardenVaultPublicNetworkAccess string = 'Enabled'

@description('WARDEN_ARM_ENDPOINT: the ARM endpoint; empty means the one of the cloud deployed to.')
param wardenArmEndpoint string = ''

// The cloud's own ARM endpoint (no host written out, so the template deploys to any cloud), without the trailing
// slash that environment() gives, as the app's default is written.
var cloudResourceManager = environment().resourceManager
var armEndpoint = !empty(wardenArmEndpoint)
  ? wardenArmEndpoint
  : endsWith(cloudResourceManager, '/')
      ? substring(cloudResourceManager, 0, max(length(cloudResourceManager) - 1, 0))
      : cloudResourceManager

@minValue(1)
@maxValue(64)
@description('WARDEN_WRITE_CONCURRENCY: concurrent ARM writes per subscription (per instance).')
param wardenWriteConcurrency int = 4

@minValue(1)
@maxValue(600)
@description('WARDEN_REQUEST_TIMEOUT_SECONDS: the longest wait for one answer from Azure.')
param wardenRequestTimeoutSeconds int = 30

@minValue(1)
@maxValue(3600)
@description('WARDEN_OPERATION_DEADLINE_SECONDS: the longest wait for one long-running operation.')
param wardenOperationDeadlineSeconds int = 300

@minValue(10)
@maxValue(86400)
@description('WARDEN_RUN_BUDGET_SECONDS: the time one sweep or job may take in all.')
param wardenRunBudgetSeconds int = 1500

@description('WARDEN_SWEEP_SCHEDULE: six-field NCRONTAB schedule of the sweepTimer function.')
param wardenSweepSchedule string = '0 0 */6 * * *'

@minValue(0)
@maxValue(86400)
@description('WARDEN_EVENT_DEBOUNCE_SECONDS: the event path evaluates a VM (or NSG) at most once per this many seconds.')
param wardenEventDebounceSeconds int = 300

@minValue(1)
@maxValue(168)
@description('WARDEN_EVENT_DEDUPE_HOURS: how long event ids are remembered.')
param wardenEventDedupeHours int = 48

// ----- hosting ---------------------------------------------------------------------------------------

@allowed([
  512
  2048
  4096
])
@description('Memory of each Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Flex Consumption scale-out limit. Each instance writes with WARDEN_WRITE_CONCURRENCY, so this also bounds the ARM write rate.')
param maximumInstanceCount int = 40

@minValue(30)
@maxValue(730)
@description('Log Analytics retention of the workspace default (Application Insights tables keep their own 90-day default).')
param logAnalyticsRetentionInDays int = 30

@minValue(1)
@maxValue(365)
@description('Days after which dead-lettered Event Grid events are deleted from the deadletter container.')
param deadLetterRetentionDays int = 30

// ----- names -----------------------------------------------------------------------------------------

var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var functionAppName = 'func-${resourceToken}'
var deploymentContainerName = 'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'

// Every WARDEN_* setting the app reads (src/config.ts), as the Function App's name/value pairs. The
// emulator-only settings stay empty: in Azure the managed identity authenticates against ARM.
var wardenSettings = [
  { name: 'WARDEN_MODE', value: wardenMode }
  { name: 'WARDEN_SUBSCRIPTIONS', value: wardenSubscriptions }
  { name: 'WARDEN_MANAGEMENT_GROUPS', value: wardenManagementGroups }
  { name: 'WARDEN_EXEMPT_TAG', value: wardenExemptTag }
  { name: 'WARDEN_VAULT_TAG', value: wardenVaultTag }
  { name: 'WARDEN_VAULT_RESOURCE_GROUP', value: wardenVaultResourceGroup }
  { name: 'WARDEN_VAULT_NAME_TEMPLATE', value: wardenVaultNameTemplate }
  { name: 'WARDEN_STORAGE_REDUNDANCY', value: wardenStorageRedundancy }
  { name: 'WARDEN_POLICY_NAME', value: wardenPolicyName }
  // ARM's string() writes True/False for booleans; the app expects true/false.
  { name: 'WARDEN_INCLUDE_PORT_80', value: wardenIncludePort80 ? 'true' : 'false' }
  { name: 'WARDEN_OVERRIDE_EXPLICIT_STORAGE_DENY', value: wardenOverrideExplicitStorageDeny ? 'true' : 'false' }
  { name: 'WARDEN_INITIAL_BACKUP', value: wardenInitialBackup ? 'true' : 'false' }
  { name: 'WARDEN_INITIAL_BACKUP_RETENTION_DAYS', value: string(wardenInitialBackupRetentionDays) }
  { name: 'WARDEN_MAX_ACTIONS', value: string(wardenMaxActions) }
  { name: 'WARDEN_MIN_WINDOWS_AGENT_VERSION', value: wardenMinWindowsAgentVersion }
  { name: 'WARDEN_ENHANCED_POLICY_NAME', value: wardenEnhancedPolicyName }
  { name: 'WARDEN_BACKUP_GRACE_HOURS', value: string(wardenBackupGraceHours) }
  { name: 'WARDEN_VAULT_SUBSCRIPTION', value: wardenVaultSubscription }
  { name: 'WARDEN_VAULT_PUBLIC_NETWORK_ACCESS', value: wardenVaultPublicNetworkAccess }
  { name: 'WARDEN_ARM_ENDPOINT', value: armEndpoint }
  { name: 'WARDEN_CA_CERT_PATH', value: '' }
  { name: 'WARDEN_ARM_TOKEN', value: '' }
  { name: 'WARDEN_MANAGED_IDENTITY_CLIENT_ID', value: identity.outputs.clientId }
  { name: 'WARDEN_WRITE_CONCURRENCY', value: string(wardenWriteConcurrency) }
  { name: 'WARDEN_REQUEST_TIMEOUT_SECONDS', value: string(wardenRequestTimeoutSeconds) }
  { name: 'WARDEN_OPERATION_DEADLINE_SECONDS', value: string(wardenOperationDeadlineSeconds) }
  { name: 'WARDEN_RUN_BUDGET_SECONDS', value: string(wardenRunBudgetSeconds) }
  { name: 'WARDEN_SWEEP_SCHEDULE', value: wardenSweepSchedule }
  { name: 'WARDEN_EVENT_DEBOUNCE_SECONDS', value: string(wardenEventDebounceSeconds) }
  { name: 'WARDEN_EVENT_DEDUPE_HOURS', value: string(wardenEventDedupeHours) }
]

// ----- resources -------------------------------------------------------------------------------------

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: empty(resourceGroupName) ? 'rg-${environmentName}' : resourceGroupName
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: 'id-${resourceToken}'
    location: location
    tags: tags
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: 'st${resourceToken}'
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    deadLetterRetentionDays: deadLetterRetentionDays
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: 'log-${resourceToken}'
    applicationInsightsName: 'appi-${resourceToken}'
    location: location
    tags: tags
    retentionInDays: logAnalyticsRetentionInDays
  }
}

module rbacHost 'modules/rbac-host.bicep' = {
  name: 'rbac-host'
  scope: rg
  params: {
    storageAccountName: storage.outputs.name
    principalId: identity.outputs.principalId
  }
}

module functionApp 'modules/functionapp.bicep' = {
  name: 'functionapp'
  scope: rg
  params: {
    name: functionAppName
    planName: 'plan-${resourceToken}'
    location: location
    tags: tags
    identityName: identity.outputs.name
    storageAccountName: storage.outputs.name
    deploymentContainerName: storage.outputs.deploymentContainerName
    applicationInsightsName: monitoring.outputs.applicationInsightsName
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    wardenSettings: wardenSettings
  }
  // The host starts with its storage roles in place (identity-based AzureWebJobsStorage).
  dependsOn: [
    rbacHost
  ]
}

module workbook 'modules/workbook.bicep' = {
  name: 'workbook'
  scope: rg
  params: {
    applicationInsightsId: monitoring.outputs.applicationInsightsId
    location: location
    tags: tags
  }
}

// ----- outputs (azd stores them in the environment; the hooks read them) ---------------------------

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_FUNCTION_APP_ID string = functionApp.outputs.id
output SERVICE_API_NAME string = functionApp.outputs.name
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output BACKUP_WARDEN_PRINCIPAL_ID string = identity.outputs.principalId
output BACKUP_WARDEN_DEADLETTER_CONTAINER string = storage.outputs.deadLetterContainerName
output BACKUP_WARDEN_WORKBOOK_ID string = workbook.outputs.id

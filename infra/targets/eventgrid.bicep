// The event path in one target subscription: a system topic of the subscription's resource events
// (Microsoft.Resources.Subscriptions) and an event subscription that delivers VM and NSG writes to the
// Function App's vmWritten function, dead-lettering to the host's deadletter container.
// https://learn.microsoft.com/azure/event-grid/event-schema-subscriptions
//
// Deploy it after the code (the AzureFunction endpoint must exist), once per target subscription:
//   az deployment sub create --subscription <target> -l <location> -f infra/targets/eventgrid.bicep \
//     -p functionAppId=<AZURE_FUNCTION_APP_ID> hostSubscriptionId=<host> \
//        hostResourceGroupName=<AZURE_RESOURCE_GROUP> storageAccountName=<AZURE_STORAGE_ACCOUNT_NAME>
// A subscription has at most one system topic for this source: if one exists, pass its name and
// resource group (the deployment then updates it in place, adding a system-assigned identity).
targetScope = 'subscription'

@description('Resource id of the backup-warden Function App (azd output AZURE_FUNCTION_APP_ID).')
param functionAppId string

@description('Subscription of the host (the Function App and its storage account).')
param hostSubscriptionId string

@description('Resource group of the host (azd output AZURE_RESOURCE_GROUP).')
param hostResourceGroupName string

@description('Host storage account holding the deadletter container (azd output AZURE_STORAGE_ACCOUNT_NAME).')
param storageAccountName string

@description('Blob container for events that could not be delivered.')
param deadLetterContainerName string = 'deadletter'

@description('Resource group of the system topic in this subscription (created if missing).')
param resourceGroupName string = 'rg-backup-warden-events'

@description('Region of that resource group (the topic itself is global).')
param location string = deployment().location

@description('Name of the system topic.')
param systemTopicName string = 'backup-warden-resource-writes'

@description('Tags of the resource group and the topic.')
param tags object = {}

resource rg 'Microsoft.Resources/resourceGroups@2025-04-01' = {
  name: resourceGroupName
  location: location
  tags: tags
}

module topic 'eventgrid-topic.bicep' = {
  name: 'backup-warden-system-topic'
  scope: rg
  params: {
    name: systemTopicName
    tags: tags
  }
}

// The topic's identity writes the dead letters; Storage Blob Data Contributor on that container only.
module deadLetterAccess 'deadletter-access.bicep' = {
  name: 'backup-warden-deadletter-${uniqueString(subscription().id)}'
  scope: resourceGroup(hostSubscriptionId, hostResourceGroupName)
  params: {
    storageAccountName: storageAccountName
    containerName: deadLetterContainerName
    principalId: topic.outputs.principalId
  }
}

module eventSubscription 'eventgrid-subscription.bicep' = {
  name: 'backup-warden-event-subscription'
  scope: rg
  params: {
    systemTopicName: topic.outputs.name
    functionAppId: functionAppId
    deadLetterStorageAccountId: resourceId(hostSubscriptionId, hostResourceGroupName, 'Microsoft.Storage/storageAccounts', storageAccountName)
    deadLetterContainerName: deadLetterContainerName
  }
  dependsOn: [
    deadLetterAccess
  ]
}

output systemTopicPrincipalId string = topic.outputs.principalId

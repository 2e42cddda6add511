// Lets an Event Grid system topic's identity write dead letters into one container of the host's
// storage account (deployed into the host resource group from eventgrid.bicep).

@description('Name of the host storage account.')
param storageAccountName string

@description('The dead-letter container.')
param containerName string

@description('Object (principal) id of the system topic\'s system-assigned identity.')
param principalId string

// Storage Blob Data Contributor: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/storage#storage-blob-data-contributor
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'

resource storage 'Microsoft.Storage/storageAccounts@2025-06-01' existing = {
  name: storageAccountName

  resource blobService 'blobServices' existing = {
    name: 'default'

    resource container 'containers' existing = {
      name: containerName
    }
  }
}

resource deadLetterWriter 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage::blobService::container.id, principalId, storageBlobDataContributor)
  scope: storage::blobService::container
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'backup-warden: Event Grid dead letters'
  }
}

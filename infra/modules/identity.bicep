// The compliance identity: the Function App's user-assigned managed identity. It reaches the host's
// storage (rbac-host.bicep) and, once the target templates have run, reads and remediates the swept
// subscriptions (targets/). A user-assigned identity outlives the app and can be granted before it exists.

@description('Name of the identity.')
param name string

@description('Region of the identity.')
param location string

@description('Tags of the identity.')
param tags object

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2024-11-30' = {
  name: name
  location: location
  tags: tags
}

output name string = identity.name
output id string = identity.id
output principalId string = identity.properties.principalId
output clientId string = identity.properties.clientId

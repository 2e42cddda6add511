// The compliance identity's two role assignments in one target subscription (see targets-subscriptions.bicep).
targetScope = 'subscription'

@description('Object (principal) id of the compliance identity.')
param principalId string

@description('Name (GUID) of the "backup-warden remediator" role definition.')
param remediatorRoleGuid string

// Reader: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles/general#reader
var readerRoleGuid = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, readerRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', readerRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'backup-warden: the Resource Graph inventory'
  }
}

resource remediator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(subscription().id, principalId, remediatorRoleGuid)
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', remediatorRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'backup-warden: enable protection, create vaults, add NSG allow rules, trigger first backups'
  }
}

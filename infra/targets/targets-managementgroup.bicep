// Grants the compliance identity Reader and the custom role "backup-warden remediator" at a management
// group: every subscription below it, present and future.
//   az deployment mg create --management-group-id <mg> -l <location> \
//     -f infra/targets/targets-managementgroup.bicep -p principalId=<BACKUP_WARDEN_PRINCIPAL_ID>
// The caller needs Owner (or User Access Administrator) on the management group. A custom role can
// have one management group as assignable scope (and no data actions, which this one has none of).
targetScope = 'managementGroup'

@description('Object (principal) id of the compliance identity (azd output BACKUP_WARDEN_PRINCIPAL_ID).')
param principalId string

@description('Name of the custom role; role names are unique per tenant, so it must differ from a subscription-scoped installation\'s.')
param roleName string = 'backup-warden remediator'

var role = loadJsonContent('remediator-role.json')
var readerRoleGuid = 'acdd72a7-3385-48ef-bd42-f606fba81ae7'

resource remediatorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(managementGroup().id, roleName)
  properties: {
    roleName: roleName
    description: role.description
    type: 'CustomRole'
    assignableScopes: [
      managementGroup().id
    ]
    permissions: [
      {
        actions: role.actions
        notActions: []
        dataActions: []
        notDataActions: []
      }
    ]
  }
}

resource reader 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, readerRoleGuid)
  properties: {
    roleDefinitionId: tenantResourceId('Microsoft.Authorization/roleDefinitions', readerRoleGuid)
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'backup-warden: the Resource Graph inventory'
  }
}

resource remediator 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(managementGroup().id, principalId, remediatorRole.id)
  properties: {
    roleDefinitionId: remediatorRole.id
    principalId: principalId
    principalType: 'ServicePrincipal'
    description: 'backup-warden: enable protection, create vaults, add NSG allow rules, trigger first backups'
  }
}

output remediatorRoleId string = remediatorRole.id

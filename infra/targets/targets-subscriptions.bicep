// Grants the compliance identity what it needs in a list of target subscriptions: Reader (the
// Resource Graph inventory sees only what its caller may read) and the custom role
// "backup-warden remediator" (remediator-role.json: exactly the operations of
// src/adapters/azure/permissions.ts, nothing that deletes).
//
// Deploy at the scope of one of the targets (the role definition lives there; its assignableScopes
// list every target):
//   az deployment sub create --subscription <first target> -l <location> \
//     -f infra/targets/targets-subscriptions.bicep \
//     -p principalId=<BACKUP_WARDEN_PRINCIPAL_ID> subscriptionIds='["<sub1>","<sub2>"]'
// The caller needs Owner (or User Access Administrator) in every target subscription.
targetScope = 'subscription'

@description('Object (principal) id of the compliance identity (azd output BACKUP_WARDEN_PRINCIPAL_ID).')
param principalId string

@minLength(1)
@description('The subscriptions to sweep and remediate.')
param subscriptionIds array = [
  subscription().subscriptionId
]

@description('Name of the custom role; role names are unique per tenant, so a second installation needs another.')
param roleName string = 'backup-warden remediator'

@description('The central backup subscription (WARDEN_VAULT_SUBSCRIPTION) when it is not among subscriptionIds: the identity gets the same two roles there, for the vaults it creates and protects VMs into (Cross Subscription Backup). Empty: none.')
param vaultSubscriptionId string = ''

var role = loadJsonContent('remediator-role.json')

// The targets plus the central backup subscription, once each.
var grantedSubscriptionIds = union(subscriptionIds, empty(vaultSubscriptionId) ? [] : [vaultSubscriptionId])

// One definition for every target subscription (a custom role name can exist once per tenant).
resource remediatorRole 'Microsoft.Authorization/roleDefinitions@2022-04-01' = {
  name: guid(tenant().tenantId, roleName)
  properties: {
    roleName: roleName
    description: role.description
    type: 'CustomRole'
    assignableScopes: [for id in grantedSubscriptionIds: '/subscriptions/${id}']
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

module grants 'grants-subscription.bicep' = [for id in grantedSubscriptionIds: {
  name: 'backup-warden-grants-${uniqueString(id, principalId)}'
  scope: subscription(id)
  params: {
    principalId: principalId
    remediatorRoleGuid: remediatorRole.name
  }
}]

output remediatorRoleGuid string = remediatorRole.name

/**
 * The custom role "backup-warden remediator", as the compiled target templates define it, grants exactly the ARM
 * operations the inventory and the remediator perform (src/adapters/azure/permissions.ts), nothing that deletes and
 * nothing of Microsoft.Authorization, and is assignable exactly at the target scope.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { REMEDIATOR_OPERATIONS, REQUIRED_OPERATIONS } from '../../src/adapters/azure/permissions';
import { compile, evaluate, module, only, resourcesOf, scopeOf, type ArmResource, type ArmTemplate } from './arm';
import { actionMatches, BUILT_IN_ROLES, missingOperations, read, unneededActions } from './checks';
import { findBicep } from './tools';

const role = JSON.parse(read('infra/targets/remediator-role.json')) as { description: string; actions: string[] };

describe('the coverage check', () => {
  it('matches case-insensitively and honours * as in Azure RBAC', () => {
    expect(actionMatches('microsoft.compute/VIRTUALMACHINES/read', 'Microsoft.Compute/virtualMachines/read')).toBe(true);
    expect(actionMatches('Microsoft.Network/*/read', 'Microsoft.Network/networkInterfaces/read')).toBe(true);
    expect(actionMatches('Microsoft.Network/*/read', 'Microsoft.Network/networkSecurityGroups/securityRules/write')).toBe(
      false,
    );
    expect(actionMatches('Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/readX')).toBe(false);
    expect(actionMatches('Microsoft.Compute/virtualMachines.read', 'Microsoft.Compute/virtualMachines/read')).toBe(false);
  });

  it('reports an operation no action grants, and an action no operation needs', () => {
    expect(missingOperations(role.actions, [...REMEDIATOR_OPERATIONS, 'Microsoft.Compute/disks/write'])).toEqual([
      'Microsoft.Compute/disks/write',
    ]);
    expect(missingOperations(['Microsoft.Compute/*'], ['Microsoft.Compute/disks/write'])).toEqual([]);
    expect(unneededActions([...role.actions, 'Microsoft.Storage/storageAccounts/read'], REMEDIATOR_OPERATIONS)).toEqual([
      'Microsoft.Storage/storageAccounts/read',
    ]);
  });
});

interface RoleDefinition {
  roleName: string;
  type: string;
  description: string;
  permissions: { actions: string[]; notActions: string[]; dataActions: string[]; notDataActions: string[] }[];
  assignableScopes?: unknown;
  copy?: { name: string; input: string }[];
}

describe.skipIf(!findBicep())('backup-warden remediator, compiled', () => {
  let definitions: { path: string; template: ArmTemplate; resource: ArmResource; properties: RoleDefinition }[];
  beforeAll(() => {
    definitions = ['infra/targets/targets-subscriptions.bicep', 'infra/targets/targets-managementgroup.bicep'].map(
      (path) => {
        const template = compile(path);
        const resource = only(template, 'Microsoft.Authorization/roleDefinitions');
        const properties = evaluate(resource['properties'], scopeOf(template, { principalId: 'p' })) as RoleDefinition;
        return { path, template, resource, properties };
      },
    );
  });

  it('grants every operation the app performs, and nothing else', () => {
    expect(REMEDIATOR_OPERATIONS.length).toBe(REQUIRED_OPERATIONS.length);
    for (const { path, properties } of definitions) {
      const actions = properties.permissions[0]?.actions ?? [];
      expect(missingOperations(actions, REMEDIATOR_OPERATIONS), path).toEqual([]);
      expect(unneededActions(actions, REMEDIATOR_OPERATIONS), path).toEqual([]);
      expect(actions.map((a) => a.toLowerCase()).sort(), path).toEqual(
        REMEDIATOR_OPERATIONS.map((a) => a.toLowerCase()).sort(),
      );
      expect(new Set(actions.map((a) => a.toLowerCase())).size, path).toBe(actions.length);
    }
  });

  it('names exact operations: no wildcard, no delete, nothing of Microsoft.Authorization', () => {
    for (const { path, properties } of definitions) {
      const actions = properties.permissions[0]?.actions ?? [];
      expect(actions.filter((a) => a.includes('*')), path).toEqual([]);
      expect(actions.filter((a) => /\/delete$/i.test(a)), path).toEqual([]);
      expect(actions.filter((a) => /^Microsoft\.Authorization\//i.test(a)), path).toEqual([]);
      expect(properties.description, path).toMatch(/Never deletes/);
    }
  });

  it('is the same custom role in both target templates, with empty notActions and no data actions', () => {
    for (const { path, resource, properties } of definitions) {
      expect(properties.permissions, path).toEqual([
        { actions: role.actions, notActions: [], dataActions: [], notDataActions: [] },
      ]);
      expect(properties.roleName, path).toBe('backup-warden remediator');
      expect(properties.type, path).toBe('CustomRole');
      expect(properties.description, path).toBe(role.description);
      expect(resource.name, path).toMatch(/^\[guid\(/);
    }
  });

  it('is assignable exactly at the target subscriptions or the management group', () => {
    const [subscriptions, managementGroup] = definitions;
    expect((subscriptions?.resource['properties'] as RoleDefinition).copy).toEqual([
      expect.objectContaining({
        name: 'assignableScopes',
        count: "[length(variables('grantedSubscriptionIds'))]",
        input: "[format('/subscriptions/{0}', variables('grantedSubscriptionIds')[copyIndex('assignableScopes')])]",
      }),
    ]);
    // The targets plus the central backup subscription (vaultSubscriptionId, WARDEN_VAULT_SUBSCRIPTION), once each.
    expect(subscriptions?.template.variables?.['grantedSubscriptionIds']).toBe(
      "[union(parameters('subscriptionIds'), if(empty(parameters('vaultSubscriptionId')), createArray(), createArray(parameters('vaultSubscriptionId'))))]",
    );
    expect(subscriptions?.template.parameters?.['vaultSubscriptionId']?.defaultValue).toBe('');
    expect(subscriptions?.template.parameters?.['subscriptionIds']?.defaultValue).toEqual([
      '[subscription().subscriptionId]',
    ]);
    expect(managementGroup?.resource['properties']).toMatchObject({ assignableScopes: ['[managementGroup().id]'] });
  });

  it('is assigned, with Reader, in every target subscription, to the compliance identity as a service principal', () => {
    const subscriptions = definitions[0] as (typeof definitions)[number];
    const grants = resourcesOf(subscriptions.template).find((r) => r.type === 'Microsoft.Resources/deployments');
    expect(grants?.['copy']).toEqual({ name: 'grants', count: "[length(variables('grantedSubscriptionIds'))]" });
    expect(grants?.['subscriptionId']).toBe("[variables('grantedSubscriptionIds')[copyIndex()]]");
    const inner = module(scopeOf(subscriptions.template, { principalId: 'p' }), String(grants?.name));
    const assignments = resourcesOf(inner.template)
      .filter((r) => r.type === 'Microsoft.Authorization/roleAssignments')
      .map((r) => r['properties'] as { roleDefinitionId: string; principalType: string; principalId: string });
    expect(assignments.map((a) => [a.principalType, a.principalId])).toEqual([
      ['ServicePrincipal', "[parameters('principalId')]"],
      ['ServicePrincipal', "[parameters('principalId')]"],
    ]);
    expect(assignments.map((a) => a.roleDefinitionId)).toEqual([
      "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', variables('readerRoleGuid'))]",
      "[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', parameters('remediatorRoleGuid'))]",
    ]);
    expect(BUILT_IN_ROLES[String(inner.template.variables?.['readerRoleGuid'])]).toBe('Reader');
    const remediatorGuid = (grants?.['properties'] as { parameters: Record<string, { value: string }> }).parameters[
      'remediatorRoleGuid'
    ]?.value;
    expect(remediatorGuid).toBe("[guid(tenant().tenantId, parameters('roleName'))]");
  });

  it('has every action explained in infra/README.md', () => {
    const readme = read('infra/README.md');
    for (const action of role.actions) expect(readme, action).toContain(`\`${action}\``);
  });
});

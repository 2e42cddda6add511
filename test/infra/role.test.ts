/**
 * The custom role "backup-warden remediator" grants exactly the ARM operations the inventory and the
 * remediator perform (src/adapters/azure/permissions.ts), nothing that deletes and nothing of
 * Microsoft.Authorization, and is assignable exactly at the target scope.
 */
import { describe, expect, it } from 'vitest';
import { REMEDIATOR_OPERATIONS, REQUIRED_OPERATIONS } from '../../src/adapters/azure/permissions';
import { at, evaluate, type BicepValue } from './bicep';
import { actionMatches, defaultScope, exprAt, missingOperations, onlyResource, read, template, unneededActions, valueAt } from './templates';

const role = JSON.parse(read('infra/targets/remediator-role.json')) as { description: string; actions: string[] };
const definitions = ['infra/targets/targets-subscriptions.bicep', 'infra/targets/targets-managementgroup.bicep'].map((path) => {
  const t = template(path);
  return { t, r: onlyResource(t, 'Microsoft.Authorization/roleDefinitions'), scope: defaultScope(t) };
});

describe('the coverage check', () => {
  it('matches case-insensitively and honours * as in Azure RBAC', () => {
    expect(actionMatches('microsoft.compute/VIRTUALMACHINES/read', 'Microsoft.Compute/virtualMachines/read')).toBe(true);
    expect(actionMatches('Microsoft.Network/*/read', 'Microsoft.Network/networkInterfaces/read')).toBe(true);
    expect(actionMatches('Microsoft.Network/*/read', 'Microsoft.Network/networkSecurityGroups/securityRules/write')).toBe(false);
    expect(actionMatches('Microsoft.Compute/virtualMachines/read', 'Microsoft.Compute/virtualMachines/readX')).toBe(false);
    expect(actionMatches('Microsoft.Compute/virtualMachines.read', 'Microsoft.Compute/virtualMachines/read')).toBe(false);
  });

  it('reports an operation no action grants, and an action no operation needs', () => {
    expect(missingOperations(role.actions, [...REMEDIATOR_OPERATIONS, 'Microsoft.Compute/disks/write'])).toEqual(['Microsoft.Compute/disks/write']);
    expect(missingOperations(['Microsoft.Compute/*'], ['Microsoft.Compute/disks/write'])).toEqual([]);
    expect(unneededActions([...role.actions, 'Microsoft.Storage/storageAccounts/read'], REMEDIATOR_OPERATIONS)).toEqual(['Microsoft.Storage/storageAccounts/read']);
  });
});

describe('backup-warden remediator', () => {
  it('grants every operation the app performs, and nothing else', () => {
    expect(REMEDIATOR_OPERATIONS.length).toBe(REQUIRED_OPERATIONS.length);
    expect(missingOperations(role.actions, REMEDIATOR_OPERATIONS)).toEqual([]);
    expect(unneededActions(role.actions, REMEDIATOR_OPERATIONS)).toEqual([]);
    expect(role.actions.map((a) => a.toLowerCase()).sort()).toEqual(REMEDIATOR_OPERATIONS.map((a) => a.toLowerCase()).sort());
    expect(new Set(role.actions.map((a) => a.toLowerCase())).size).toBe(role.actions.length);
  });

  it('names exact operations: no wildcard, no delete, nothing of Microsoft.Authorization', () => {
    expect(role.actions.filter((a) => a.includes('*'))).toEqual([]);
    expect(role.actions.filter((a) => /\/delete$/i.test(a))).toEqual([]);
    expect(role.actions.filter((a) => /^Microsoft\.Authorization\//i.test(a))).toEqual([]);
    expect(role.description).toMatch(/Never deletes/);
  });

  it('is what both target templates define, with empty notActions and no data actions', () => {
    for (const { t, r, scope } of definitions) {
      expect(valueAt(r, 'properties.permissions', scope), t.path).toEqual([{ actions: role.actions, notActions: [], dataActions: [], notDataActions: [] }]);
      expect(valueAt(r, 'properties.roleName', scope), t.path).toBe('backup-warden remediator');
      expect(valueAt(r, 'properties.type', scope), t.path).toBe('CustomRole');
      expect(valueAt(r, 'properties.description', scope), t.path).toBe(role.description);
      const name = exprAt(r, 'name');
      expect(name.kind === 'call' && name.name, t.path).toBe('guid');
    }
  });

  it('is assignable exactly at the target subscriptions or management group', () => {
    const [subscriptions, managementGroup] = definitions;
    const t = subscriptions?.t;
    const r = subscriptions?.r;
    if (!t || !r || !managementGroup) throw new Error('missing definitions');
    const scopes = evaluate(exprAt(r, 'properties.assignableScopes'), defaultScope(t, { subscriptionIds: { value: ['sub-a', 'sub-b'] } }));
    expect(scopes).toEqual(['/subscriptions/sub-a', '/subscriptions/sub-b']);
    expect(at(managementGroup.r.body, 'properties.assignableScopes')?.raw.replace(/\s+/g, ' ')).toBe('[ managementGroup().id ]');
  });

  it('is assigned, with Reader, in every target subscription', () => {
    const t = template('infra/targets/targets-subscriptions.bicep');
    const grants = t.file.modules.find((m) => m.symbol === 'grants');
    expect(grants?.loop?.itemName).toBe('id');
    expect(grants?.loop?.source.raw).toBe('subscriptionIds');
    expect(grants && at(grants.body, 'scope')?.raw).toBe('subscription(id)');
    expect(grants && at(grants.body, 'params.remediatorRoleGuid')?.raw).toBe('remediatorRole.name');
    const subscriptionIds = t.file.params.find((p) => p.name === 'subscriptionIds');
    expect(subscriptionIds?.defaultValue?.raw.replace(/\s+/g, ' ')).toBe('[ subscription().subscriptionId ]');
    const principal: BicepValue[] = ['infra/targets/targets-subscriptions.bicep', 'infra/targets/targets-managementgroup.bicep', 'infra/targets/grants-subscription.bicep'].map((p) => template(p).file.params.find((x) => x.name === 'principalId')?.type ?? null);
    expect(principal).toEqual(['string', 'string', 'string']);
  });

  it('has every action explained in infra/README.md', () => {
    const readme = read('infra/README.md');
    for (const action of role.actions) expect(readme, action).toContain(`\`${action}\``);
  });
});

/**
 * The Event Grid wiring of a target subscription, as compiled from infra/targets/eventgrid.bicep: a
 * Microsoft.Resources.Subscriptions system topic, an event subscription to the vmWritten function filtered to exactly
 * the operations the event path handles (src/core/events.ts), Event Grid's retry schedule, and dead-lettering to the
 * host's deadletter container with the topic's own identity.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { HANDLED_OPERATIONS, RESOURCE_WRITE_SUCCESS } from '../../src/core/events';
import { compile, evaluate, only, resourcesOf, scopeOf, Unresolved, type ArmResource, type ArmTemplate } from './arm';
import { BUILT_IN_ROLES, read } from './checks';
import { findBicep } from './tools';

const GIVEN = {
  functionAppId: '/subscriptions/host/resourceGroups/rg-x/providers/Microsoft.Web/sites/func-x',
  hostSubscriptionId: 'host',
  hostResourceGroupName: 'rg-x',
  storageAccountName: 'stx',
};

describe.skipIf(!findBicep())('compiled infra/targets/eventgrid.bicep', () => {
  let entry: ArmTemplate;
  const deployment = (pattern: RegExp): ArmResource => {
    const found = resourcesOf(entry).filter(
      (r) => r.type === 'Microsoft.Resources/deployments' && pattern.test(r.name),
    );
    if (found.length !== 1) throw new Error(`expected one deployment matching ${pattern}, found ${found.length}`);
    return found[0] as ArmResource;
  };
  const inner = (d: ArmResource) => {
    const props = d['properties'] as { template: ArmTemplate; parameters: Record<string, { value: unknown }> };
    const outer = scopeOf(entry, GIVEN);
    const given = Object.fromEntries(Object.entries(props.parameters).map(([k, v]) => [k, evaluate(v.value, outer)]));
    return { template: props.template, scope: scopeOf(props.template, given), parameters: props.parameters };
  };
  beforeAll(() => {
    entry = compile('infra/targets/eventgrid.bicep');
  });

  describe('the event subscription', () => {
    const subscription = () => {
      const m = inner(deployment(/event-subscription/));
      const r = only(m.template, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');
      return { m, r, properties: evaluate(r['properties'], m.scope) as Record<string, unknown> };
    };

    it('delivers to the vmWritten function of the Function App, one event at a time', () => {
      const { m, properties } = subscription();
      expect(properties['destination']).toEqual({
        endpointType: 'AzureFunction',
        properties: { resourceId: `${GIVEN.functionAppId}/functions/vmWritten`, maxEventsPerBatch: 1, preferredBatchSizeInKilobytes: 64 },
      });
      expect(properties['eventDeliverySchema']).toBe('EventGridSchema');
      expect(m.template.variables?.['functionName']).toBe('vmWritten');
      expect(read('src/functions/vmWritten.ts')).toMatch(/app\.eventGrid\('vmWritten',/);
    });

    it('passes only resource write successes of the handled operations', () => {
      const { properties } = subscription();
      expect(properties['filter']).toEqual({
        includedEventTypes: [RESOURCE_WRITE_SUCCESS],
        advancedFilters: [{ operatorType: 'StringIn', key: 'data.operationName', values: [...HANDLED_OPERATIONS] }],
      });
      expect(HANDLED_OPERATIONS.length).toBeLessThanOrEqual(25);
    });

    it("retries as Event Grid's full schedule allows, then dead-letters with the topic's identity", () => {
      const { properties } = subscription();
      expect(properties['retryPolicy']).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
      expect(properties['deadLetterWithResourceIdentity']).toEqual({
        identity: { type: 'SystemAssigned' },
        deadLetterDestination: {
          endpointType: 'StorageBlob',
          properties: { resourceId: expect.any(Unresolved), blobContainerName: 'deadletter' },
        },
      });
      expect(properties['deadLetterDestination']).toBeUndefined();
      const { parameters } = subscription().m;
      expect(parameters['deadLetterStorageAccountId']?.value).toBe(
        "[resourceId(parameters('hostSubscriptionId'), parameters('hostResourceGroupName'), 'Microsoft.Storage/storageAccounts', parameters('storageAccountName'))]",
      );
      // The subscription is created after the topic may write to the container.
      expect(JSON.stringify(deployment(/event-subscription/)['dependsOn'])).toMatch(/backup-warden-deadletter-/);
    });

    it('hangs under the system topic the first module creates', () => {
      const { m, r } = subscription();
      expect(r.name).toBe("[format('{0}/{1}', parameters('systemTopicName'), 'backup-warden-vm-written')]");
      expect(String(m.parameters['systemTopicName']?.value)).toMatch(/'backup-warden-system-topic'.*\.outputs\.name\.value\]$/);
    });
  });

  describe('the system topic', () => {
    it("is the subscription's resource event source, global, with a system-assigned identity", () => {
      const m = inner(deployment(/^backup-warden-system-topic$/));
      const topic = evaluate(only(m.template, 'Microsoft.EventGrid/systemTopics'), m.scope) as Record<string, unknown>;
      expect(topic['location']).toBe('global');
      expect(topic['identity']).toEqual({ type: 'SystemAssigned' });
      expect(topic['properties']).toEqual({
        source: expect.objectContaining({ text: 'subscription().id' }),
        topicType: 'Microsoft.Resources.Subscriptions',
      });
      expect(Object.keys(m.template.outputs ?? {})).toEqual(['name', 'principalId']);
    });
  });

  describe("the topic's dead-letter access", () => {
    it('is Storage Blob Data Contributor on the deadletter container only, in the host resource group', () => {
      const d = deployment(/backup-warden-deadletter-/);
      expect([d['subscriptionId'], d['resourceGroup']]).toEqual([
        "[parameters('hostSubscriptionId')]",
        "[parameters('hostResourceGroupName')]",
      ]);
      const m = inner(d);
      expect(String(m.parameters['principalId']?.value)).toMatch(/'backup-warden-system-topic'.*outputs\.principalId\.value\]$/);
      const assignment = only(m.template, 'Microsoft.Authorization/roleAssignments');
      expect(assignment['scope']).toBe(
        "[resourceId('Microsoft.Storage/storageAccounts/blobServices/containers', parameters('storageAccountName'), 'default', parameters('containerName'))]",
      );
      expect(m.scope.parameters['containerName']).toBe('deadletter');
      expect(BUILT_IN_ROLES[String(m.template.variables?.['storageBlobDataContributor'])]).toBe(
        'Storage Blob Data Contributor',
      );
      expect((assignment['properties'] as { principalType: string }).principalType).toBe('ServicePrincipal');
    });
  });
});

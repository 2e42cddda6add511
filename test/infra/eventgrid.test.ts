/**
 * The Event Grid wiring of a target subscription: a Microsoft.Resources.Subscriptions system topic, an
 * event subscription to the vmWritten function filtered to exactly the operations the event path
 * handles (src/core/events.ts), Event Grid's retry schedule, and dead-lettering to the host's
 * deadletter container with the topic's own identity.
 */
import { describe, expect, it } from 'vitest';
import { HANDLED_OPERATIONS, RESOURCE_WRITE_SUCCESS } from '../../src/core/events';
import { at, evaluate, Unresolved } from './bicep';
import { assignedRole, BUILT_IN_ROLES, calledScope, defaultScope, exprAt, onlyResource, paramDefault, read, template, valueAt, varExpr } from './templates';

const entry = template('infra/targets/eventgrid.bicep');
const { target: subscriptionTemplate, scope } = calledScope(entry, 'eventSubscription');
const eventSubscription = onlyResource(subscriptionTemplate, 'Microsoft.EventGrid/systemTopics/eventSubscriptions');

describe('the event subscription', () => {
  it('delivers to the vmWritten function of the Function App, one event at a time', () => {
    expect(valueAt(eventSubscription, 'properties.destination.endpointType', scope)).toBe('AzureFunction');
    expect(valueAt(eventSubscription, 'properties.destination.properties.resourceId', scope)).toEqual(new Unresolved("'${functionAppId}/functions/vmWritten'"));
    expect(valueAt(eventSubscription, 'properties.destination.properties.maxEventsPerBatch', scope)).toBe(1);
    expect(valueAt(eventSubscription, 'properties.eventDeliverySchema', scope)).toBe('EventGridSchema');
    expect(evaluate(varExpr(subscriptionTemplate, 'functionName'))).toBe('vmWritten');
    expect(read('src/functions/vmWritten.ts')).toMatch(/app\.eventGrid\('vmWritten',/);
    const module = entry.file.modules.find((m) => m.symbol === 'eventSubscription');
    expect(module && at(module.body, 'params.functionAppId')?.raw).toBe('functionAppId');
    expect(at(eventSubscription.body, 'parent')?.raw).toBe('topic');
  });

  it('passes only resource write successes of the handled operations', () => {
    expect(valueAt(eventSubscription, 'properties.filter.includedEventTypes', scope)).toEqual([RESOURCE_WRITE_SUCCESS]);
    const filters = valueAt(eventSubscription, 'properties.filter.advancedFilters', scope);
    expect(filters).toEqual([{ operatorType: 'StringIn', key: 'data.operationName', values: [...HANDLED_OPERATIONS] }]);
    expect(HANDLED_OPERATIONS.length).toBeLessThanOrEqual(25);
  });

  it("retries as Event Grid's full schedule allows, then dead-letters with the topic's identity", () => {
    expect(valueAt(eventSubscription, 'properties.retryPolicy', scope)).toEqual({ maxDeliveryAttempts: 30, eventTimeToLiveInMinutes: 1440 });
    const deadLetter = valueAt(eventSubscription, 'properties.deadLetterWithResourceIdentity', scope);
    expect(deadLetter).toEqual({
      identity: { type: 'SystemAssigned' },
      deadLetterDestination: {
        endpointType: 'StorageBlob',
        properties: { resourceId: expect.any(Unresolved), blobContainerName: 'deadletter' },
      },
    });
    const module = entry.file.modules.find((m) => m.symbol === 'eventSubscription');
    expect(module && at(module.body, 'params.deadLetterStorageAccountId')?.raw).toBe("resourceId(hostSubscriptionId, hostResourceGroupName, 'Microsoft.Storage/storageAccounts', storageAccountName)");
    expect(module && at(module.body, 'dependsOn')?.raw.replace(/\s+/g, ' ')).toBe('[ deadLetterAccess ]');
    expect(at(eventSubscription.body, 'properties.deadLetterDestination')).toBeUndefined();
  });

  it('dead-letters into the container the host storage account creates', () => {
    const storage = template('infra/modules/storage.bicep');
    expect(evaluate(varExpr(storage, 'deadLetterContainerName'))).toBe('deadletter');
    expect(evaluate(paramDefault(entry, 'deadLetterContainerName'))).toBe('deadletter');
  });
});

describe('the system topic', () => {
  const { target, scope: topicScope } = calledScope(entry, 'topic');
  const topic = onlyResource(target, 'Microsoft.EventGrid/systemTopics');

  it("is the subscription's resource event source, global, with a system-assigned identity", () => {
    expect(valueAt(topic, 'location', topicScope)).toBe('global');
    expect(valueAt(topic, 'properties.topicType', topicScope)).toBe('Microsoft.Resources.Subscriptions');
    expect(at(topic.body, 'properties.source')?.raw).toBe('subscription().id');
    expect(valueAt(topic, 'identity', topicScope)).toEqual({ type: 'SystemAssigned' });
    expect(target.file.outputs.map((o) => [o.name, o.value.raw])).toEqual([['name', 'topic.name'], ['principalId', 'topic.identity.principalId']]);
  });

  it('is the one the event subscription hangs under', () => {
    const existing = onlyResource(subscriptionTemplate, 'Microsoft.EventGrid/systemTopics');
    expect(existing.existing).toBe(true);
    expect(at(existing.body, 'name')?.raw).toBe('systemTopicName');
    const module = entry.file.modules.find((m) => m.symbol === 'eventSubscription');
    expect(module && at(module.body, 'params.systemTopicName')?.raw).toBe('topic.outputs.name');
  });
});

describe("the topic's dead-letter access", () => {
  it('is Storage Blob Data Contributor on the deadletter container only, in the host resource group', () => {
    const module = entry.file.modules.find((m) => m.symbol === 'deadLetterAccess');
    expect(module && at(module.body, 'scope')?.raw).toBe('resourceGroup(hostSubscriptionId, hostResourceGroupName)');
    expect(module && at(module.body, 'params.principalId')?.raw).toBe('topic.outputs.principalId');
    const { target, scope: accessScope } = calledScope(entry, 'deadLetterAccess');
    const assignment = onlyResource(target, 'Microsoft.Authorization/roleAssignments');
    const role = assignedRole(assignment, defaultScope(target));
    expect(role.builtIn && BUILT_IN_ROLES[role.builtIn]).toBe('Storage Blob Data Contributor');
    expect(at(assignment.body, 'scope')?.raw).toBe('storage::blobService::container');
    expect(valueAt(assignment, 'properties.principalType', accessScope)).toBe('ServicePrincipal');
    const container = target.file.resources.find((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers');
    expect(container?.existing).toBe(true);
    expect(container && evaluate(exprAt(container, 'name'), accessScope)).toBe('deadletter');
  });
});

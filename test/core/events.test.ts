import { describe, expect, it } from 'vitest';
import {
  classifyEvent,
  eventKeys,
  fromEventGridEvent,
  HANDLED_OPERATIONS,
  type ResourceWriteEvent,
} from '../../src/core/events';

const SUB = '5620b3a2-0e1b-4c5d-9f1e-7a2b3c4d5e6f';
const VM = `/subscriptions/${SUB}/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/vm-web-01`;
const NSG = `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/networkSecurityGroups/nsg-web`;

const eventGrid = (data: Record<string, unknown>, over: Record<string, unknown> = {}) => ({
  id: '4d7d5c1e-6b3a-4f2e-9d8c-1a2b3c4d5e6f',
  topic: `/subscriptions/${SUB}`,
  subject: String(data.resourceUri ?? VM),
  eventType: 'Microsoft.Resources.ResourceWriteSuccess',
  eventTime: '2026-12-01T10:00:00.0000000Z',
  dataVersion: '2',
  data: {
    resourceUri: VM,
    operationName: 'Microsoft.Compute/virtualMachines/write',
    status: 'Succeeded',
    subscriptionId: SUB,
    correlationId: 'c1',
    ...data,
  },
  ...over,
});

const parsed = (raw: unknown): ResourceWriteEvent => {
  const r = fromEventGridEvent(raw);
  if (!r.ok) throw new Error(r.reason);
  return r.event;
};

describe('Event Grid events', () => {
  it('reads the Event Grid schema', () => {
    expect(parsed(eventGrid({}))).toEqual({
      id: '4d7d5c1e-6b3a-4f2e-9d8c-1a2b3c4d5e6f',
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      subject: VM,
      time: '2026-12-01T10:00:00.0000000Z',
      resourceUri: VM,
      operationName: 'Microsoft.Compute/virtualMachines/write',
      status: 'Succeeded',
      subscriptionId: SUB,
      correlationId: 'c1',
    });
  });

  it('reads the CloudEvents schema (source, type, time)', () => {
    const ce = {
      specversion: '1.0',
      id: 'ce-1',
      source: `/subscriptions/${SUB}`,
      subject: VM,
      type: 'Microsoft.Resources.ResourceWriteSuccess',
      time: '2026-12-01T10:00:00Z',
      data: { resourceUri: VM, operationName: 'Microsoft.Compute/virtualMachines/write', status: 'Succeeded' },
    };
    expect(parsed(ce)).toMatchObject({
      id: 'ce-1',
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      time: '2026-12-01T10:00:00Z',
      resourceUri: VM,
    });
    const noSubject = { ...ce, subject: undefined, time: undefined };
    expect(parsed(noSubject)).toMatchObject({ subject: VM, time: '' });
  });

  it('names what is wrong with a malformed event, keeping its id', () => {
    const r = fromEventGridEvent({ id: 'x1', eventType: 'Microsoft.Resources.ResourceWriteSuccess', data: {} });
    expect(r).toMatchObject({ ok: false, id: 'x1' });
    expect(!r.ok && r.reason).toMatch(/^Event Grid event: .*subject/);
    const ce = fromEventGridEvent({ specversion: '1.0', id: 'c', source: 's', type: 't', data: { resourceUri: VM } });
    expect(!ce.ok && ce.reason).toMatch(/^CloudEvent: data\.operationName/);
    expect(fromEventGridEvent('nope')).toMatchObject({ ok: false });
    expect(fromEventGridEvent(null)).toEqual({ ok: false, reason: expect.stringContaining('Event Grid event') });
  });

  it.each([
    [{}, { kind: 'virtualMachine', vmId: VM }],
    [{ operationName: 'microsoft.compute/virtualmachines/write' }, { kind: 'virtualMachine', vmId: VM }],
    [
      { resourceUri: NSG, operationName: 'Microsoft.Network/networkSecurityGroups/write' },
      { kind: 'networkSecurityGroup', nsgId: NSG },
    ],
    [
      {
        resourceUri: `${NSG}/securityRules/Deny-All`,
        operationName: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
      },
      { kind: 'networkSecurityGroup', nsgId: NSG },
    ],
    [{ status: 'Failed' }, { kind: 'ignored', reason: 'status Failed' }],
    [
      { resourceUri: `/subscriptions/${SUB}/resourcegroups/RG-App/providers/Microsoft.Resources/deployments/d1` },
      { kind: 'ignored', reason: 'deployment-scoped resource URI' },
    ],
    [
      {
        resourceUri: `${VM}/extensions/AzureBackup`,
        operationName: 'Microsoft.Compute/virtualMachines/extensions/write',
      },
      { kind: 'ignored', reason: 'operation Microsoft.Compute/virtualMachines/extensions/write' },
    ],
    [
      { resourceUri: `${VM}/extensions/AzureBackup` },
      { kind: 'ignored', reason: 'resource type microsoft.compute/virtualmachines/extensions' },
    ],
    [
      {
        resourceUri: `/subscriptions/${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v1`,
        operationName: 'Microsoft.Network/networkSecurityGroups/write',
      },
      { kind: 'ignored', reason: 'resource type microsoft.network/virtualnetworks' },
    ],
    [
      { resourceUri: '/subscriptions/x/resourceGroups/rg' },
      { kind: 'ignored', reason: "resourceUri '/subscriptions/x/resourceGroups/rg' is not a resource id" },
    ],
  ])('classifies %j', (data, expected) => {
    expect(classifyEvent(parsed(eventGrid(data)))).toEqual(expected);
  });

  it('ignores other event types', () => {
    expect(classifyEvent(parsed(eventGrid({}, { eventType: 'Microsoft.Resources.ResourceActionSuccess' })))).toEqual({
      kind: 'ignored',
      reason: 'event type Microsoft.Resources.ResourceActionSuccess',
    });
  });

  it('dedupes on the event id and debounces per resource, case-insensitively', () => {
    const e = parsed(eventGrid({}));
    expect(eventKeys(e, classifyEvent(e))).toEqual({
      dedupe: 'event|4d7d5c1e-6b3a-4f2e-9d8c-1a2b3c4d5e6f',
      debounce: `vm|${VM.toLowerCase()}`,
    });
    const n = parsed(eventGrid({ resourceUri: NSG, operationName: HANDLED_OPERATIONS[1] }));
    expect(eventKeys(n, classifyEvent(n)).debounce).toBe(`nsg|${NSG.toLowerCase()}`);
    expect(eventKeys(e, { kind: 'ignored', reason: 'x' })).toEqual({
      dedupe: 'event|4d7d5c1e-6b3a-4f2e-9d8c-1a2b3c4d5e6f',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { fromEventGridEvent } from '../../src/core/events';
import { fromResourceGraphRow } from '../../src/core/rows';
import {
  ancestorId,
  idKey,
  InvalidResourceIdError,
  nameOf,
  parseResourceId,
  resourceId,
  sameId,
  subscriptionOf,
  tryParseResourceId,
  typeOf,
} from '../../src/core/ids';

const ITEM =
  '/Subscriptions/04cf684a-d41f-4550-9f70-7708a3a2283b/resourceGroups/phaniktRSV/providers/Microsoft.RecoveryServices/vaults/phaniktRs1/backupFabrics/Azure/protectionContainers/IaasVMContainer;iaasvmcontainerv2;rg;vm/protectedItems/VM;iaasvmcontainerv2;rg;vm';

describe('ARM resource ids', () => {
  it('compare case-insensitively and ignore a trailing slash', () => {
    expect(
      sameId(
        '/subscriptions/S/resourceGroups/RG-App/providers/Microsoft.Compute/virtualMachines/VM1',
        '/subscriptions/s/resourcegroups/rg-app/providers/microsoft.compute/virtualmachines/vm1/',
      ),
    ).toBe(true);
    expect(sameId(undefined, 'x')).toBe(false);
    expect(idKey(' /A/B/ ')).toBe('/a/b');
  });

  it('parse into subscription, group, provider, types and names (a capital S is seen live)', () => {
    expect(parseResourceId(ITEM)).toEqual({
      subscriptionId: '04cf684a-d41f-4550-9f70-7708a3a2283b',
      resourceGroup: 'phaniktRSV',
      provider: 'Microsoft.RecoveryServices',
      types: ['vaults', 'backupFabrics', 'protectionContainers', 'protectedItems'],
      names: ['phaniktRs1', 'Azure', 'IaasVMContainer;iaasvmcontainerv2;rg;vm', 'VM;iaasvmcontainerv2;rg;vm'],
    });
    expect(typeOf(ITEM)).toBe('microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems');
    expect(ancestorId(ITEM, 1)).toBe(
      '/subscriptions/04cf684a-d41f-4550-9f70-7708a3a2283b/resourceGroups/phaniktRSV/providers/Microsoft.RecoveryServices/vaults/phaniktRs1',
    );
    expect(ancestorId(ITEM, 9)).toBeUndefined();
    expect(nameOf(ITEM)).toBe('VM;iaasvmcontainerv2;rg;vm');
    expect(subscriptionOf(ITEM)).toBe('04cf684a-d41f-4550-9f70-7708a3a2283b');
    expect(subscriptionOf('/providers/x')).toBeUndefined();
    expect(resourceId('s', 'rg', 'Microsoft.Network', 'networkSecurityGroups', 'n')).toBe(
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n',
    );
  });

  it.each([
    ['/resourceGroups/rg/providers/P/t/n', 'expected it to start with /subscriptions/{subscriptionId}'],
    ['/subscriptions//resourceGroups/rg/providers/P/t/n', 'an empty segment at position 2'],
    ['/subscriptions/s/resourceGroups/rg/providers/P/t/n/', 'an empty segment at position 9'],
    ['/subscriptions/s/resourceGroups/rg/providers/P/t/./x/y', "a '.' segment at position 8"],
    ['/subscriptions/s/resourceGroups/rg/providers/P/t/n/../m', "a '..' segment at position 9"],
    ['subscriptions/s/resourceGroups/rg/providers/P/t/n', 'expected it to start with /'],
    ['/subscriptions/s/providers/P/t/n', 'expected /resourceGroups/{name} after the subscription'],
    ['/subscriptions/s/resourceGroups/rg/P/t/n', 'expected /providers/{namespace} after the resource group'],
    ['/subscriptions/s/resourceGroups/rg/providers/P/t', 'expected type/name pairs after the provider namespace'],
  ])('say what is wrong with %s', (id, reason) => {
    expect(() => parseResourceId(id)).toThrow(new InvalidResourceIdError(id, reason));
    expect(tryParseResourceId(id)).toBeUndefined();
    expect(typeOf(id)).toBeUndefined();
  });
});

describe('unsafe ids (issue 9 item 7)', () => {
  it('are rows the inventory rejects, naming the segment', () => {
    const row = {
      id: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/../other',
      type: 'microsoft.compute/virtualmachines',
      location: 'eastus',
      properties: {},
    };
    expect(() => fromResourceGraphRow(row)).toThrow("id: a '..' segment at position 9");
  });

  it('are events the parser rejects, before they reach a request path', () => {
    const r = fromEventGridEvent({
      id: 'e1',
      eventType: 'Microsoft.Resources.ResourceWriteSuccess',
      subject: 'x',
      eventTime: '2026-01-01T00:00:00Z',
      data: {
        resourceUri: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/./vm',
        operationName: 'Microsoft.Compute/virtualMachines/write',
      },
    });
    expect(r).toEqual({ ok: false, id: 'e1', reason: "data.resourceUri: a '.' segment at position 8" });
  });
});

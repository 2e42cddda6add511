/**
 * Every query the app sends (src/queries/*.kql) parses and analyses with zero diagnostics in Microsoft's
 * Kusto language service, against a declared schema of the Resource Graph columns it uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kustoAnalyser, type ColumnType } from '../support/kusto';

/** The columns of Resources, RecoveryServicesResources and ResourceContainers that the queries use. */
const SCHEMA: Record<string, Record<string, ColumnType>> = {
  Resources: {
    id: 'String',
    name: 'String',
    type: 'String',
    location: 'String',
    resourceGroup: 'String',
    subscriptionId: 'String',
    tags: 'Dynamic',
    properties: 'Dynamic',
    sku: 'Dynamic',
    kind: 'String',
  },
  RecoveryServicesResources: {
    id: 'String',
    name: 'String',
    type: 'String',
    location: 'String',
    resourceGroup: 'String',
    subscriptionId: 'String',
    properties: 'Dynamic',
  },
  ResourceContainers: {
    id: 'String',
    name: 'String',
    type: 'String',
    location: 'String',
    resourceGroup: 'String',
    subscriptionId: 'String',
    managedBy: 'String',
  },
};

const dir = join(__dirname, '../../src/queries');
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.kql'))
  .sort();

describe('src/queries/*.kql', () => {
  const diagnosticsOf = kustoAnalyser('resourcegraph', SCHEMA);

  it('holds one query per inventory kind', () => {
    expect(files).toEqual([
      'azure-firewalls.kql',
      'backup-policies.kql',
      'network-interfaces.kql',
      'network-manager-admin-rules.kql',
      'network-security-groups.kql',
      'protected-items.kql',
      'resource-groups.kql',
      'route-tables.kql',
      'vaults.kql',
      'virtual-machines.kql',
      'virtual-networks.kql',
    ]);
  });

  it.each(files)('%s has zero diagnostics and projects id', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(diagnosticsOf(text)).toEqual([]);
    expect(text).toMatch(/\|\s*project\s+id\b/);
  });

  it('would catch a misspelt column or a syntax error', () => {
    expect(diagnosticsOf('Resources | project idd').length).toBeGreaterThan(0);
    expect(diagnosticsOf('Resources | where type =~').length).toBeGreaterThan(0);
    expect(diagnosticsOf('Resources | project id, sku2').length).toBeGreaterThan(0);
  });
});

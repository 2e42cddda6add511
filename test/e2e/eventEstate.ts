/**
 * The small estate of the event tests (Resource Graph-shaped rows, bench/estate.ts builders): one
 * subscription with an eastus vault, an app subnet and a database subnet behind their own NSGs, and a
 * westus2 VNet with no vault in its region. test/fixtures/events/*.json name these resources.
 */
import { nicRow, nsgRow, protectedItemRow, vaultRow, vmRow, vnetRow, type Row } from '../../bench/estate';

export const SUB = 'd4e5f6a7-1b2c-4d3e-8f9a-0b1c2d3e4f5a';

const rid = (rg: string, provider: string, ...pairs: string[]): string =>
  `/subscriptions/${SUB}/resourceGroups/${rg}/providers/${provider}/${pairs.join('/')}`;

export const VAULT_EUS = rid('rg-backup-warden', 'Microsoft.RecoveryServices', 'vaults', 'rsv-backup-eastus');
export const NSG_APP = rid('rg-net', 'Microsoft.Network', 'networkSecurityGroups', 'nsg-app-eus');
export const NSG_DB = rid('rg-net', 'Microsoft.Network', 'networkSecurityGroups', 'nsg-db-eus');
export const VNET_EUS = rid('rg-net', 'Microsoft.Network', 'virtualNetworks', 'vnet-app-eus');
export const VNET_WUS2 = rid('rg-net', 'Microsoft.Network', 'virtualNetworks', 'vnet-app-wus2');
export const SNET_APP = `${VNET_EUS}/subnets/snet-app`;
export const SNET_DB = `${VNET_EUS}/subnets/snet-db`;
export const SNET_WUS2 = `${VNET_WUS2}/subnets/snet-app`;
export const vmIdOf = (rg: string, name: string): string => rid(rg, 'Microsoft.Compute', 'virtualMachines', name);
export const nicIdOf = (rg: string, name: string): string => rid(rg, 'Microsoft.Network', 'networkInterfaces', name);

function vm(rows: Row[], rg: string, name: string, ip: string, subnetId: string, protectedBy?: string): void {
  const nicId = nicIdOf(rg, `${name}-nic`);
  const row = vmRow(SUB, rg, name, 'eastus', nicId);
  rows.push(row, nicRow(SUB, rg, `${name}-nic`, 'eastus', ip, subnetId, { vmId: String(row.id) }));
  if (protectedBy) rows.push(protectedItemRow(protectedBy, String(row.id), 'eastus'));
}

/** The estate. nsg-db-eus is seeded without its `subnets` back-reference: ARM (the emulator) derives it. */
export function eventEstate(): Row[] {
  const rows: Row[] = [
    vaultRow(SUB, 'rg-backup-warden', 'rsv-backup-eastus', 'eastus', 'GeoRedundant'),
    vnetRow(SUB, 'rg-net', 'vnet-app-eus', 'eastus', '10.1.0.0/16', [
      { name: 'snet-app', cidr: '10.1.1.0/24', nsgId: NSG_APP },
      { name: 'snet-db', cidr: '10.1.2.0/24', nsgId: NSG_DB },
    ]),
    vnetRow(SUB, 'rg-net', 'vnet-app-wus2', 'westus2', '10.2.0.0/16', [{ name: 'snet-app', cidr: '10.2.1.0/24' }]),
    nsgRow(
      SUB,
      'rg-net',
      'nsg-app-eus',
      'eastus',
      [
        {
          name: 'Allow-HTTPS-Inbound',
          priority: 100,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          ports: '443',
          source: 'Internet',
        },
      ],
      { subnets: [SNET_APP] },
    ),
    nsgRow(SUB, 'rg-net', 'nsg-db-eus', 'eastus', [
      {
        name: 'Allow-SQL-From-App',
        priority: 100,
        direction: 'Inbound',
        access: 'Allow',
        protocol: 'Tcp',
        ports: '1433',
        source: '10.1.1.0/24',
      },
    ]),
  ];
  vm(rows, 'RG-App', 'vm-app-01', '10.1.1.4', SNET_APP, VAULT_EUS);
  vm(rows, 'RG-App', 'vm-app-02', '10.1.1.5', SNET_APP, VAULT_EUS);
  vm(rows, 'RG-App', 'vm-app-03', '10.1.1.6', SNET_APP);
  vm(rows, 'RG-App', 'vm-app-04', '10.1.1.7', SNET_APP);
  vm(rows, 'RG-App', 'vm-app-05', '10.1.1.8', SNET_APP, VAULT_EUS);
  vm(rows, 'RG-Db', 'vm-db-01', '10.1.2.4', SNET_DB, VAULT_EUS);
  vm(rows, 'RG-Db', 'vm-db-02', '10.1.2.5', SNET_DB, VAULT_EUS);
  return rows;
}

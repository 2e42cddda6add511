/**
 * Builders of Resource Graph rows (the shapes `az graph query` returns, cf. shared/azure-rest-examples and
 * shared/recorded-azure-responses) for the adapter integration tests: VMs wired to NICs, subnets and NSGs,
 * vaults, and large synthetic estates.
 */
export type Row = Record<string, unknown>;

export const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
export const SUB_A = '5a1c3e5f-7b9d-4f1a-8c3e-5f7a9b1d3f5a';
export const SUB_B = 'b2d4f6a8-0c2e-4a6c-9e0a-2c4e6a8c0e2b';

/** A deterministic GUID-shaped id from a number (for subscription lists and vmIds). */
export function guid(n: number, prefix = 'c0ffee00'): string {
  const hex = n.toString(16).padStart(12, '0');
  return `${prefix}-0000-4000-8000-${hex}`;
}

function rid(sub: string, rg: string, provider: string, ...pairs: string[]): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${pairs.join('/')}`;
}

function base(id: string, type: string, location: string, tags: Record<string, string> = {}): Row {
  const parts = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  return {
    id,
    name: id.split('/').pop(),
    type,
    tenantId: TENANT,
    kind: '',
    location,
    resourceGroup: (parts?.[2] ?? '').toLowerCase(),
    subscriptionId: parts?.[1] ?? '',
    managedBy: '',
    sku: null,
    plan: null,
    tags,
    identity: null,
    zones: null,
    extendedLocation: null,
  };
}

export const vmIdOf = (sub: string, rg: string, name: string): string => rid(sub, rg, 'Microsoft.Compute', 'virtualMachines', name);
export const nicIdOf = (sub: string, rg: string, name: string): string => rid(sub, rg, 'Microsoft.Network', 'networkInterfaces', name);
export const nsgIdOf = (sub: string, rg: string, name: string): string => rid(sub, rg, 'Microsoft.Network', 'networkSecurityGroups', name);
export const vnetIdOf = (sub: string, rg: string, name: string): string => rid(sub, rg, 'Microsoft.Network', 'virtualNetworks', name);
export const vaultIdOf = (sub: string, rg: string, name: string): string => rid(sub, rg, 'Microsoft.RecoveryServices', 'vaults', name);

/** A VM row: managed OS disk, one NIC, running. */
export function vmRow(opts: { sub: string; rg: string; name: string; location?: string; nicId?: string; index?: number; power?: string; os?: 'Linux' | 'Windows' }): Row {
  const location = opts.location ?? 'eastus';
  const id = vmIdOf(opts.sub, opts.rg, opts.name);
  const nicId = opts.nicId ?? nicIdOf(opts.sub, opts.rg, `${opts.name}-nic`);
  const os = opts.os ?? 'Linux';
  const power = opts.power ?? 'PowerState/running';
  return {
    ...base(id, 'microsoft.compute/virtualmachines', location, { env: 'prod' }),
    properties: {
      vmId: guid(opts.index ?? 0, '0f1e2d3c'),
      hardwareProfile: { vmSize: 'Standard_D2s_v5' },
      storageProfile: {
        osDisk: {
          osType: os,
          name: `${opts.name}_OsDisk_1_${(opts.index ?? 0).toString(16)}`,
          createOption: 'FromImage',
          caching: 'ReadWrite',
          managedDisk: { storageAccountType: 'Premium_LRS', id: rid(opts.sub, opts.rg.toUpperCase(), 'Microsoft.Compute', 'disks', `${opts.name}_OsDisk_1`) },
          deleteOption: 'Delete',
          diskSizeGB: os === 'Windows' ? 127 : 30,
        },
        dataDisks: [],
        imageReference: { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: 'latest', exactVersion: '22.04.202401010' },
      },
      osProfile: {
        computerName: opts.name,
        adminUsername: 'azureuser',
        linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true, patchSettings: { patchMode: 'ImageDefault', assessmentMode: 'ImageDefault' } },
        secrets: [],
        allowExtensionOperations: true,
      },
      networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      diagnosticsProfile: { bootDiagnostics: { enabled: true } },
      provisioningState: 'Succeeded',
      timeCreated: '2024-03-14T09:26:53.1234567+00:00',
      extended: {
        instanceView: {
          computerName: opts.name,
          osName: 'ubuntu',
          osVersion: '22.04',
          powerState: { code: power, level: 'Info', displayStatus: power === 'PowerState/running' ? 'VM running' : 'VM deallocated' },
        },
      },
    },
  };
}

/** A NIC row with one ipconfig in a subnet, optionally with its own NSG. */
export function nicRow(opts: { sub: string; rg: string; name: string; location?: string; subnetId: string; vmId?: string; ip?: string; nsgId?: string }): Row {
  const id = nicIdOf(opts.sub, opts.rg, opts.name);
  return {
    ...base(id, 'microsoft.network/networkinterfaces', opts.location ?? 'eastus'),
    etag: 'W/"5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b"',
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: '3c2b1a0f-5e4d-4e9d-8c7b-6a5f4e3d2c1b',
      ipConfigurations: [
        {
          name: 'ipconfig1',
          id: `${id}/ipConfigurations/ipconfig1`,
          etag: 'W/"5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b"',
          type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
          properties: {
            provisioningState: 'Succeeded',
            privateIPAddress: opts.ip ?? '10.0.1.4',
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddressVersion: 'IPv4',
            subnet: { id: opts.subnetId },
            primary: true,
          },
        },
      ],
      dnsSettings: { dnsServers: [], appliedDnsServers: [], internalDomainNameSuffix: 'abc.bx.internal.cloudapp.net' },
      macAddress: '00-0D-3A-1B-2C-3D',
      enableAcceleratedNetworking: true,
      enableIPForwarding: false,
      ...(opts.nsgId ? { networkSecurityGroup: { id: opts.nsgId } } : {}),
      ...(opts.vmId ? { virtualMachine: { id: opts.vmId } } : {}),
      primary: true,
      nicType: 'Standard',
    },
  };
}

/** An NSG security rule as the API returns it (singular and plural fields side by side). */
export function securityRule(nsgId: string, r: { name: string; priority: number; direction?: 'Inbound' | 'Outbound'; access: 'Allow' | 'Deny'; protocol?: string; destination?: string; ports?: string[] }): Row {
  const ports = r.ports ?? ['*'];
  return {
    name: r.name,
    id: `${nsgId}/securityRules/${r.name}`,
    etag: 'W/"6b2c4d3e-1f20-4a5b-8c7d-9e0f1a2b3c4d"',
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: {
      provisioningState: 'Succeeded',
      protocol: r.protocol ?? '*',
      sourcePortRange: '*',
      ...(ports.length === 1 ? { destinationPortRange: ports[0] } : {}),
      sourceAddressPrefix: '*',
      destinationAddressPrefix: r.destination ?? '*',
      access: r.access,
      priority: r.priority,
      direction: r.direction ?? 'Outbound',
      sourcePortRanges: [],
      destinationPortRanges: ports.length === 1 ? [] : ports,
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  };
}

function defaultRules(nsgId: string): Row[] {
  const d = (name: string, priority: number, direction: string, access: string, src: string, dst: string, description: string): Row => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    etag: 'W/"6b2c4d3e-1f20-4a5b-8c7d-9e0f1a2b3c4d"',
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: src,
      destinationAddressPrefix: dst,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  });
  return [
    d('AllowVnetInBound', 65000, 'Inbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork', 'Allow inbound traffic from all VMs in VNET'),
    d('AllowAzureLoadBalancerInBound', 65001, 'Inbound', 'Allow', 'AzureLoadBalancer', '*', 'Allow inbound traffic from azure load balancer'),
    d('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*', 'Deny all inbound traffic'),
    d('AllowVnetOutBound', 65000, 'Outbound', 'Allow', 'VirtualNetwork', 'VirtualNetwork', 'Allow outbound traffic from all VMs to all VMs in VNET'),
    d('AllowInternetOutBound', 65001, 'Outbound', 'Allow', '*', 'Internet', 'Allow outbound traffic from all VMs to Internet'),
    d('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*', 'Deny all outbound traffic'),
  ];
}

/** An NSG row: custom rules, the six defaults, and the subnets it is attached to. */
export function nsgRow(opts: { sub: string; rg: string; name: string; location?: string; rules: Parameters<typeof securityRule>[1][]; subnets?: string[] }): Row {
  const id = nsgIdOf(opts.sub, opts.rg, opts.name);
  return {
    ...base(id, 'microsoft.network/networksecuritygroups', opts.location ?? 'eastus'),
    etag: 'W/"6b2c4d3e-1f20-4a5b-8c7d-9e0f1a2b3c4d"',
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: 'c3a1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
      securityRules: opts.rules.map((r) => securityRule(id, r)),
      defaultSecurityRules: defaultRules(id),
      ...(opts.subnets?.length ? { subnets: opts.subnets.map((s) => ({ id: s })) } : {}),
    },
  };
}

/** A VNet with one subnet, optionally behind an NSG. */
export function vnetRow(opts: { sub: string; rg: string; name: string; location?: string; subnet: string; cidr?: string; nsgId?: string }): Row {
  const id = vnetIdOf(opts.sub, opts.rg, opts.name);
  const cidr = opts.cidr ?? '10.0.1.0/24';
  return {
    ...base(id, 'microsoft.network/virtualnetworks', opts.location ?? 'eastus'),
    etag: 'W/"0d7e5a31-4f2b-4c1d-9e8f-7a6b5c4d3e2f"',
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
      addressSpace: { addressPrefixes: ['10.0.0.0/16'] },
      dhcpOptions: { dnsServers: [] },
      subnets: [
        {
          name: opts.subnet,
          id: `${id}/subnets/${opts.subnet}`,
          etag: 'W/"0d7e5a31-4f2b-4c1d-9e8f-7a6b5c4d3e2f"',
          type: 'Microsoft.Network/virtualNetworks/subnets',
          properties: {
            provisioningState: 'Succeeded',
            addressPrefix: cidr,
            ...(opts.nsgId ? { networkSecurityGroup: { id: opts.nsgId } } : {}),
            delegations: [],
            privateEndpointNetworkPolicies: 'Disabled',
            privateLinkServiceNetworkPolicies: 'Enabled',
          },
        },
      ],
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  };
}

/** A Recovery Services vault row. */
export function vaultRow(opts: { sub: string; rg: string; name: string; location?: string; redundancy?: string }): Row {
  const id = vaultIdOf(opts.sub, opts.rg, opts.name);
  return {
    ...base(id, 'microsoft.recoveryservices/vaults', opts.location ?? 'eastus'),
    sku: { name: 'RS0', tier: 'Standard' },
    etag: 'W/"datetime\'2024-03-14T09%3A30%3A12.1234567Z\'"',
    properties: {
      provisioningState: 'Succeeded',
      publicNetworkAccess: 'Enabled',
      redundancySettings: { standardTierStorageRedundancy: opts.redundancy ?? 'GeoRedundant', crossRegionRestore: 'Disabled' },
      securitySettings: { softDeleteSettings: { softDeleteState: 'Enabled', softDeleteRetentionPeriodInDays: 14 } },
      secureScore: 'Minimum',
      bcdrSecurityLevel: 'Poor',
    },
  };
}

/** A small estate: VMs in a subnet behind an NSG that denies all outbound at 1000, and their NICs. */
export function networkedVms(opts: { sub: string; vmNames: string[]; location?: string; rg?: string; net?: string; withVault?: { rg: string; name: string } }): { rows: Row[]; nsgId: string; vmIds: string[]; vaultId?: string } {
  const location = opts.location ?? 'eastus';
  const rg = opts.rg ?? 'RG-App';
  const net = opts.net ?? 'app';
  const nsgId = nsgIdOf(opts.sub, 'rg-net', `nsg-${net}`);
  const subnetId = `${vnetIdOf(opts.sub, 'rg-net', `vnet-${net}`)}/subnets/snet-${net}`;
  const rows: Row[] = [
    nsgRow({ sub: opts.sub, rg: 'rg-net', name: `nsg-${net}`, location, subnets: [subnetId], rules: [{ name: 'Deny_All_Outbound', priority: 1000, access: 'Deny' }] }),
    vnetRow({ sub: opts.sub, rg: 'rg-net', name: `vnet-${net}`, location, subnet: `snet-${net}`, nsgId }),
  ];
  const vmIds: string[] = [];
  opts.vmNames.forEach((name, i) => {
    const vmId = vmIdOf(opts.sub, rg, name);
    vmIds.push(vmId);
    rows.push(vmRow({ sub: opts.sub, rg, name, location, index: i }));
    rows.push(nicRow({ sub: opts.sub, rg, name: `${name}-nic`, location, subnetId, vmId, ip: `10.0.1.${4 + i}` }));
  });
  let vaultId: string | undefined;
  if (opts.withVault) {
    rows.push(vaultRow({ sub: opts.sub, rg: opts.withVault.rg, name: opts.withVault.name, location }));
    vaultId = vaultIdOf(opts.sub, opts.withVault.rg, opts.withVault.name);
  }
  return vaultId ? { rows, nsgId, vmIds, vaultId } : { rows, nsgId, vmIds };
}

/** `n` VM rows spread over `subscriptions` (no NICs): enough for paging tests. */
export function manyVms(n: number, subscriptions: readonly string[] = [SUB_A]): Row[] {
  return Array.from({ length: n }, (_, i) => {
    const sub = subscriptions[i % subscriptions.length] ?? SUB_A;
    return vmRow({ sub, rg: `rg-fleet-${i % 7}`, name: `vm-${String(i).padStart(5, '0')}`, index: i, location: i % 3 === 0 ? 'westeurope' : 'eastus' });
  });
}

/** An Azure IaaS VM protected item row (RecoveryServicesResources), as Resource Graph returns it. */
export function protectedItemRow(opts: { vaultId: string; vmId: string; location?: string; policy?: string; state?: string }): Row {
  const vm = /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i.exec(opts.vmId);
  const rg = (vm?.[1] ?? '').toLowerCase();
  const name = (vm?.[2] ?? '').toLowerCase();
  const short = `iaasvmcontainerv2;${rg};${name}`;
  const id = `${opts.vaultId}/backupFabrics/Azure/protectionContainers/IaasVMContainer;${short}/protectedItems/VM;${short}`;
  const vault = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(opts.vaultId);
  const policy = opts.policy ?? 'DefaultPolicy';
  const location = opts.location ?? 'eastus';
  return {
    id,
    name: `VM;${short}`,
    type: 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
    tenantId: TENANT,
    kind: '',
    location,
    resourceGroup: (vault?.[2] ?? '').toLowerCase(),
    subscriptionId: vault?.[1] ?? '',
    managedBy: '',
    sku: null,
    plan: null,
    tags: null,
    identity: null,
    zones: null,
    extendedLocation: null,
    properties: {
      friendlyName: vm?.[2] ?? name,
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      containerName: short,
      sourceResourceId: opts.vmId,
      virtualMachineId: opts.vmId,
      policyId: `${opts.vaultId}/backupPolicies/${policy}`,
      policyName: policy,
      currentProtectionState: opts.state ?? 'ProtectionConfigured',
      protectionState: 'Protected',
      protectionStatus: 'Healthy',
      healthStatus: 'Passed',
      lastBackupStatus: 'Completed',
      lastBackupTime: '2024-05-01T21:04:11.5417292Z',
      lastRecoveryPoint: '2024-05-01T21:07:52.1094713Z',
      protectedItemDataId: '17592766862413',
      isScheduledForDeferredDelete: false,
      dataSourceInfo: {
        resourceID: opts.vmId,
        resourceName: vm?.[2] ?? name,
        resourceType: 'Microsoft.Compute/virtualMachines',
        resourceLocation: location,
        datasourceType: 'AzureIaasVM.VM',
      },
    },
  };
}

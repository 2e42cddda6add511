/**
 * Estate builders: Resource Graph rows shaped as `az graph query -o json` returns them. `sampleEstate()` is
 * the bundled demo estate (samples/sample-estate.json, designed by hand to show every kind of finding);
 * `syntheticEstate(n)` scales the same shapes for benchmarks.
 */

/** A Resource Graph row. */
export type Row = Record<string, unknown>;

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';

/** The two sample subscriptions. */
export const SUBSCRIPTIONS = {
  prod: '8f3c1b2a-4d5e-4f60-9a1b-2c3d4e5f6a70',
  dev: 'b7e2d9c4-1a3f-4e8b-9c0d-5f6a7b8c9d01',
} as const;

function rid(sub: string, rg: string, provider: string, ...pairs: string[]): string {
  return `/subscriptions/${sub}/resourceGroups/${rg}/providers/${provider}/${pairs.join('/')}`;
}

function base(id: string, type: string, location: string, tags: Record<string, string> | undefined): Row {
  const m = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  const row: Row = {
    id,
    name: id.split('/').pop(),
    type,
    tenantId: TENANT,
    kind: '',
    location,
    resourceGroup: (m?.[2] ?? '').toLowerCase(),
    subscriptionId: m?.[1] ?? '',
    managedBy: '',
    sku: null,
    plan: null,
  };
  if (tags) row.tags = tags;
  return row;
}

/** An NSG security rule as the API returns it: singular and plural fields side by side. */
export function securityRule(
  nsgId: string,
  r: {
    name: string;
    priority: number;
    direction?: 'Inbound' | 'Outbound';
    access: string;
    protocol?: string;
    destination?: string;
    destinations?: string[];
    ports?: string;
    portList?: string[];
    source?: string;
    sourceAsgs?: string[];
  },
): Row {
  const props: Row = {
    provisioningState: 'Succeeded',
    protocol: r.protocol ?? '*',
    sourcePortRange: '*',
    access: r.access,
    priority: r.priority,
    direction: r.direction ?? 'Outbound',
    sourcePortRanges: [],
    destinationPortRanges: r.portList ?? [],
    sourceAddressPrefixes: [],
    destinationAddressPrefixes: r.destinations ?? [],
  };
  if (!r.portList) props.destinationPortRange = r.ports ?? '*';
  if (!r.destinations) props.destinationAddressPrefix = r.destination ?? '*';
  if (r.sourceAsgs) props.sourceApplicationSecurityGroups = r.sourceAsgs.map((id) => ({ id }));
  else props.sourceAddressPrefix = r.source ?? '*';
  return {
    name: r.name,
    id: `${nsgId}/securityRules/${r.name}`,
    etag: 'W/"6b2c4d3e-1f20-4a5b-8c7d-9e0f1a2b3c4d"',
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: props,
  };
}

/** The six platform default rules, as an NSG GET returns them. */
export function defaultRules(nsgId: string): Row[] {
  const d = (
    name: string,
    priority: number,
    direction: string,
    access: string,
    src: string,
    dst: string,
    description: string,
  ): Row => ({
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
    d(
      'AllowVnetInBound',
      65000,
      'Inbound',
      'Allow',
      'VirtualNetwork',
      'VirtualNetwork',
      'Allow inbound traffic from all VMs in VNET',
    ),
    d(
      'AllowAzureLoadBalancerInBound',
      65001,
      'Inbound',
      'Allow',
      'AzureLoadBalancer',
      '*',
      'Allow inbound traffic from azure load balancer',
    ),
    d('DenyAllInBound', 65500, 'Inbound', 'Deny', '*', '*', 'Deny all inbound traffic'),
    d(
      'AllowVnetOutBound',
      65000,
      'Outbound',
      'Allow',
      'VirtualNetwork',
      'VirtualNetwork',
      'Allow outbound traffic from all VMs to all VMs in VNET',
    ),
    d(
      'AllowInternetOutBound',
      65001,
      'Outbound',
      'Allow',
      '*',
      'Internet',
      'Allow outbound traffic from all VMs to Internet',
    ),
    d('DenyAllOutBound', 65500, 'Outbound', 'Deny', '*', '*', 'Deny all outbound traffic'),
  ];
}

/** An NSG row. `withDefaults: false` leaves out `defaultSecurityRules`, as some exports do. */
export function nsgRow(
  sub: string,
  rg: string,
  name: string,
  location: string,
  rules: Parameters<typeof securityRule>[1][],
  opts: { withDefaults?: boolean; subnets?: string[]; nics?: string[] } = {},
): Row {
  const id = rid(sub, rg, 'Microsoft.Network', 'networkSecurityGroups', name);
  const props: Row = {
    provisioningState: 'Succeeded',
    resourceGuid: 'c3a1e2f4-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
    securityRules: rules.map((r) => securityRule(id, r)),
  };
  if (opts.withDefaults !== false) props.defaultSecurityRules = defaultRules(id);
  if (opts.subnets?.length) props.subnets = opts.subnets.map((s) => ({ id: s }));
  if (opts.nics?.length) props.networkInterfaces = opts.nics.map((n) => ({ id: n }));
  return {
    ...base(id, 'microsoft.network/networksecuritygroups', location, {}),
    etag: 'W/"6b2c4d3e-1f20-4a5b-8c7d-9e0f1a2b3c4d"',
    properties: props,
  };
}

/** A VNet row with inline subnets. */
export function vnetRow(
  sub: string,
  rg: string,
  name: string,
  location: string,
  cidr: string,
  subnets: { name: string; cidr: string; nsgId?: string }[],
): Row {
  const id = rid(sub, rg, 'Microsoft.Network', 'virtualNetworks', name);
  return {
    ...base(id, 'microsoft.network/virtualnetworks', location, {}),
    etag: 'W/"0d7e5a31-4f2b-4c1d-9e8f-7a6b5c4d3e2f"',
    properties: {
      provisioningState: 'Succeeded',
      resourceGuid: '9a8b7c6d-5e4f-4a3b-2c1d-0e9f8a7b6c5d',
      addressSpace: { addressPrefixes: [cidr] },
      dhcpOptions: { dnsServers: [] },
      subnets: subnets.map((s) => ({
        name: s.name,
        id: `${id}/subnets/${s.name}`,
        etag: 'W/"0d7e5a31-4f2b-4c1d-9e8f-7a6b5c4d3e2f"',
        type: 'Microsoft.Network/virtualNetworks/subnets',
        properties: {
          provisioningState: 'Succeeded',
          addressPrefix: s.cidr,
          ...(s.nsgId ? { networkSecurityGroup: { id: s.nsgId } } : {}),
          privateEndpointNetworkPolicies: 'Disabled',
          privateLinkServiceNetworkPolicies: 'Enabled',
        },
      })),
      virtualNetworkPeerings: [],
      enableDdosProtection: false,
    },
  };
}

/** A NIC row with one ipconfig. */
export function nicRow(
  sub: string,
  rg: string,
  name: string,
  location: string,
  ip: string,
  subnetId: string,
  opts: { nsgId?: string; vmId?: string; asgs?: string[] } = {},
): Row {
  const id = rid(sub, rg, 'Microsoft.Network', 'networkInterfaces', name);
  return {
    ...base(id, 'microsoft.network/networkinterfaces', location, {}),
    etag: 'W/"5e4d3c2b-1a0f-4e9d-8c7b-6a5f4e3d2c1b"',
    properties: {
      provisioningState: 'Succeeded',
      ipConfigurations: [
        {
          name: 'ipconfig1',
          id: `${id}/ipConfigurations/ipconfig1`,
          type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
          properties: {
            provisioningState: 'Succeeded',
            privateIPAddress: ip,
            privateIPAllocationMethod: 'Dynamic',
            privateIPAddressVersion: 'IPv4',
            subnet: { id: subnetId },
            primary: true,
            ...(opts.asgs ? { applicationSecurityGroups: opts.asgs.map((a) => ({ id: a })) } : {}),
          },
        },
      ],
      dnsSettings: { dnsServers: [], appliedDnsServers: [] },
      enableAcceleratedNetworking: false,
      enableIPForwarding: false,
      ...(opts.nsgId ? { networkSecurityGroup: { id: opts.nsgId } } : {}),
      ...(opts.vmId ? { virtualMachine: { id: opts.vmId } } : {}),
      primary: true,
      nicType: 'Standard',
    },
  };
}

/** A VM row as Resource Graph returns it (`properties.extended.instanceView.powerState`). */
export function vmRow(
  sub: string,
  rg: string,
  name: string,
  location: string,
  nicId: string,
  opts: {
    managed?: boolean;
    os?: 'Linux' | 'Windows';
    tags?: Record<string, string>;
    power?: string;
    size?: string;
  } = {},
): Row {
  const id = rid(sub, rg, 'Microsoft.Compute', 'virtualMachines', name);
  const os = opts.os ?? 'Linux';
  const osDisk: Row = {
    osType: os,
    name: `${name}_OsDisk_1`,
    createOption: 'FromImage',
    caching: 'ReadWrite',
    diskSizeGB: os === 'Windows' ? 127 : 30,
  };
  if (opts.managed === false)
    osDisk.vhd = { uri: `https://st${name.replace(/-/g, '')}.blob.core.windows.net/vhds/${name}-osdisk.vhd` };
  else
    osDisk.managedDisk = {
      storageAccountType: 'Premium_LRS',
      id: rid(sub, rg.toUpperCase(), 'Microsoft.Compute', 'disks', `${name}_OsDisk_1`),
    };
  const power = opts.power ?? 'PowerState/running';
  return {
    ...base(id, 'microsoft.compute/virtualmachines', location, opts.tags ?? {}),
    identity: null,
    zones: null,
    properties: {
      vmId: '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0',
      hardwareProfile: { vmSize: opts.size ?? 'Standard_D2s_v5' },
      storageProfile: {
        osDisk,
        dataDisks: [],
        imageReference:
          os === 'Windows'
            ? {
                publisher: 'MicrosoftWindowsServer',
                offer: 'WindowsServer',
                sku: '2022-datacenter-azure-edition',
                version: 'latest',
              }
            : {
                publisher: 'Canonical',
                offer: '0001-com-ubuntu-server-jammy',
                sku: '22_04-lts-gen2',
                version: 'latest',
              },
      },
      osProfile: {
        computerName: name,
        adminUsername: 'azureuser',
        ...(os === 'Windows'
          ? { windowsConfiguration: { provisionVMAgent: true, enableAutomaticUpdates: true } }
          : { linuxConfiguration: { disablePasswordAuthentication: true, provisionVMAgent: true } }),
      },
      networkProfile: { networkInterfaces: [{ id: nicId, properties: { primary: true } }] },
      provisioningState: 'Succeeded',
      extended: {
        instanceView: {
          powerState: {
            code: power,
            level: 'Info',
            displayStatus: power === 'PowerState/running' ? 'VM running' : 'VM deallocated',
          },
        },
      },
    },
  };
}

/** A Recovery Services vault row. */
export function vaultRow(
  sub: string,
  rg: string,
  name: string,
  location: string,
  redundancy: string,
  tags: Record<string, string> = {},
): Row {
  const id = rid(sub, rg, 'Microsoft.RecoveryServices', 'vaults', name);
  return {
    ...base(id, 'microsoft.recoveryservices/vaults', location, tags),
    sku: { name: 'RS0', tier: 'Standard' },
    etag: 'W/"datetime\'2026-10-02T08%3A14%3A27.5127372Z\'"',
    properties: {
      provisioningState: 'Succeeded',
      publicNetworkAccess: 'Enabled',
      privateEndpointStateForBackup: 'None',
      privateEndpointStateForSiteRecovery: 'None',
      // Cross-region restore on where it applies (GRS), as a well-kept vault has it; ARM's default is Disabled.
      redundancySettings: {
        standardTierStorageRedundancy: redundancy,
        crossRegionRestore: redundancy === 'GeoRedundant' ? 'Enabled' : 'Disabled',
      },
      securitySettings: { softDeleteSettings: { softDeleteState: 'Enabled', softDeleteRetentionPeriodInDays: 14 } },
    },
  };
}

/**
 * A backup policy row (RecoveryServicesResources `vaults/backuppolicies`): a Standard (V1) Azure IaaS VM
 * policy, daily at 22:30 UTC with 30 daily recovery points, as ProtectionPolicies_Get shapes it.
 */
export function backupPolicyRow(vaultId: string, location: string, name = 'DefaultPolicy'): Row {
  const vault = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(vaultId);
  const at = '2024-01-01T22:30:00Z';
  return {
    id: `${vaultId}/backupPolicies/${name}`,
    name,
    type: 'microsoft.recoveryservices/vaults/backuppolicies',
    tenantId: TENANT,
    kind: '',
    location,
    resourceGroup: (vault?.[2] ?? '').toLowerCase(),
    subscriptionId: vault?.[1] ?? '',
    properties: {
      backupManagementType: 'AzureIaasVM',
      policyType: 'V1',
      instantRpRetentionRangeInDays: 2,
      schedulePolicy: {
        schedulePolicyType: 'SimpleSchedulePolicy',
        scheduleRunFrequency: 'Daily',
        scheduleRunTimes: [at],
        scheduleWeeklyFrequency: 0,
      },
      retentionPolicy: {
        retentionPolicyType: 'LongTermRetentionPolicy',
        dailySchedule: { retentionTimes: [at], retentionDuration: { count: 30, durationType: 'Days' } },
      },
      timeZone: 'UTC',
      protectedItemsCount: 0,
    },
  };
}

/** A protected item row (RecoveryServicesResources). The source id is written lower-case, as Resource Graph does. */
export function protectedItemRow(
  vaultId: string,
  vmId: string,
  location: string,
  state = 'ProtectionConfigured',
  policy = 'DefaultPolicy',
): Row {
  const m = /resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/virtualMachines\/([^/]+)$/i.exec(vmId);
  const rg = (m?.[1] ?? '').toLowerCase();
  const vm = (m?.[2] ?? '').toLowerCase();
  const container = `iaasvmcontainerv2;${rg};${vm}`;
  const id = `${vaultId}/backupFabrics/Azure/protectionContainers/IaasVMContainer;${container}/protectedItems/VM;${container}`;
  const vm0 = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(vaultId);
  return {
    id,
    name: `VM;${container}`,
    type: 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems',
    tenantId: TENANT,
    kind: '',
    location,
    resourceGroup: (vm0?.[2] ?? '').toLowerCase(),
    subscriptionId: vm0?.[1] ?? '',
    properties: {
      backupManagementType: 'AzureIaasVM',
      workloadType: 'VM',
      protectedItemType: 'Microsoft.Compute/virtualMachines',
      friendlyName: m?.[2] ?? '',
      sourceResourceId: vmId.toLowerCase(),
      policyId: `${vaultId}/backupPolicies/${policy}`,
      policyName: policy,
      currentProtectionState: state,
      protectionState: state === 'ProtectionConfigured' ? 'Protected' : state,
      healthStatus: state === 'ProtectionConfigured' ? 'Passed' : 'ActionRequired',
      lastBackupStatus: state === 'ProtectionConfigured' ? 'Completed' : 'Failed',
      dataSourceInfo: {
        resourceID: vmId.toLowerCase(),
        resourceLocation: location,
        resourceName: m?.[2] ?? '',
        type: 'Microsoft.Compute/virtualMachines',
        datasourceType: 'Microsoft.Compute/virtualMachines',
      },
    },
  };
}

interface VmSpec {
  name: string;
  ip: string;
  managed?: boolean;
  os?: 'Linux' | 'Windows';
  tags?: Record<string, string>;
  protectedBy?: { vaultId: string; state?: string };
  nicNsgId?: string;
  asgs?: string[];
  power?: string;
}

function vmsIn(rows: Row[], sub: string, rg: string, location: string, subnetId: string, specs: VmSpec[]): void {
  for (const s of specs) {
    const nicId = rid(sub, rg, 'Microsoft.Network', 'networkInterfaces', `${s.name}-nic`);
    const vm = vmRow(sub, rg, s.name, location, nicId, {
      ...(s.managed !== undefined ? { managed: s.managed } : {}),
      ...(s.os ? { os: s.os } : {}),
      ...(s.tags ? { tags: s.tags } : {}),
      ...(s.power ? { power: s.power } : {}),
    });
    rows.push(vm);
    rows.push(
      nicRow(sub, rg, `${s.name}-nic`, location, s.ip, subnetId, {
        vmId: vm.id as string,
        ...(s.nicNsgId ? { nsgId: s.nicNsgId } : {}),
        ...(s.asgs ? { asgs: s.asgs } : {}),
      }),
    );
    if (s.protectedBy)
      rows.push(protectedItemRow(s.protectedBy.vaultId, vm.id as string, location, s.protectedBy.state));
  }
}

/**
 * The bundled sample estate: 36 VMs in 2 subscriptions and 3 regions (eastus, westeurope, japaneast),
 * with every kind of finding. See README "The sample estate" for the story of each resource.
 */
export function sampleEstate(): Row[] {
  const rows: Row[] = [];
  const P = SUBSCRIPTIONS.prod;
  const D = SUBSCRIPTIONS.dev;
  const prodEusVault = rid(P, 'rg-backup-warden', 'Microsoft.RecoveryServices', 'vaults', 'rsv-backup-eastus');
  const prodWeuVault = rid(P, 'rg-legacy-backup', 'Microsoft.RecoveryServices', 'vaults', 'rsv-legacy-weu');
  rows.push(vaultRow(P, 'rg-backup-warden', 'rsv-backup-eastus', 'eastus', 'GeoRedundant', { owner: 'platform-team' }));
  rows.push(vaultRow(P, 'rg-legacy-backup', 'rsv-legacy-weu', 'westeurope', 'LocallyRedundant', { owner: 'emea-ops' }));

  // prod / eastus: web tier behind a subnet NSG that denies Internet egress; data tier that denies Storage on purpose.
  const eusNet = 'rg-network-eus';
  const nsgWebEus = rid(P, eusNet, 'Microsoft.Network', 'networkSecurityGroups', 'nsg-web-eus');
  const nsgAppEus = rid(P, eusNet, 'Microsoft.Network', 'networkSecurityGroups', 'nsg-app-eus');
  const nsgDataEus = rid(P, eusNet, 'Microsoft.Network', 'networkSecurityGroups', 'nsg-data-eus');
  const nsgNicLocked = rid(P, 'rg-app-eus', 'Microsoft.Network', 'networkSecurityGroups', 'nsg-batch-nic');
  const asgBackup = rid(P, eusNet, 'Microsoft.Network', 'applicationSecurityGroups', 'asg-backup-allowed');
  const vnetEus = rid(P, eusNet, 'Microsoft.Network', 'virtualNetworks', 'vnet-prod-eus');
  rows.push(
    vnetRow(P, eusNet, 'vnet-prod-eus', 'eastus', '10.10.0.0/16', [
      { name: 'snet-web', cidr: '10.10.1.0/24', nsgId: nsgWebEus },
      { name: 'snet-app', cidr: '10.10.2.0/24', nsgId: nsgAppEus },
      { name: 'snet-data', cidr: '10.10.3.0/24', nsgId: nsgDataEus },
    ]),
  );
  rows.push(
    nsgRow(
      P,
      eusNet,
      'nsg-web-eus',
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
        {
          name: 'Allow-AzureMonitor-Outbound',
          priority: 3000,
          access: 'Allow',
          protocol: 'Tcp',
          ports: '443',
          destination: 'AzureMonitor',
        },
        { name: 'Deny-Internet-Outbound', priority: 4000, access: 'Deny', destination: 'Internet' },
      ],
      { subnets: [`${vnetEus}/subnets/snet-web`] },
    ),
  );
  rows.push(
    nsgRow(
      P,
      eusNet,
      'nsg-app-eus',
      'eastus',
      [
        {
          name: 'Allow-Backup-ASG',
          priority: 200,
          access: 'Allow',
          protocol: 'TCP',
          portList: ['443', '8443'],
          destination: 'Storage.EastUS',
          sourceAsgs: [asgBackup],
        },
        { name: 'Deny-Internet-Outbound', priority: 300, access: 'deny', destination: 'Internet' },
      ],
      { subnets: [`${vnetEus}/subnets/snet-app`], withDefaults: false },
    ),
  );
  rows.push(
    nsgRow(
      P,
      eusNet,
      'nsg-data-eus',
      'eastus',
      [{ name: 'Deny-Storage-Exfiltration', priority: 150, access: 'Deny', destination: 'Storage' }],
      { subnets: [`${vnetEus}/subnets/snet-data`] },
    ),
  );
  rows.push(
    nsgRow(P, 'rg-app-eus', 'nsg-batch-nic', 'eastus', [
      {
        name: 'Allow-Storage-443',
        priority: 500,
        access: 'Allow',
        protocol: 'Tcp',
        ports: '443',
        destination: 'Storage.EastUS',
      },
      { name: 'Deny-All-Outbound', priority: 1000, access: 'Deny' },
    ]),
  );

  const webSubnet = `${vnetEus}/subnets/snet-web`;
  const appSubnet = `${vnetEus}/subnets/snet-app`;
  const dataSubnet = `${vnetEus}/subnets/snet-data`;
  vmsIn(rows, P, 'RG-Web-EUS', 'eastus', webSubnet, [
    { name: 'vm-web-eus-01', ip: '10.10.1.4', protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-web-eus-02', ip: '10.10.1.5', protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-web-eus-03', ip: '10.10.1.6' },
    { name: 'vm-web-eus-04', ip: '10.10.1.7', os: 'Windows' },
    { name: 'vm-web-eus-05', ip: '10.10.1.8', managed: false, protectedBy: { vaultId: prodEusVault } },
    {
      name: 'vm-web-eus-06',
      ip: '10.10.1.9',
      tags: { 'backup-exempt': 'true', reason: 'stateless, rebuilt from image' },
    },
  ]);
  vmsIn(rows, P, 'RG-App-EUS', 'eastus', appSubnet, [
    { name: 'vm-app-eus-01', ip: '10.10.2.4', asgs: [asgBackup], protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-app-eus-02', ip: '10.10.2.5', asgs: [asgBackup], protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-app-eus-03', ip: '10.10.2.6', asgs: [asgBackup] },
    { name: 'vm-app-eus-04', ip: '10.10.2.7', protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-app-eus-05', ip: '10.10.2.8', asgs: [asgBackup], tags: { 'backup-vault': 'rsv-legacy-weu' } },
    {
      name: 'vm-app-eus-06',
      ip: '10.10.2.9',
      asgs: [asgBackup],
      protectedBy: { vaultId: prodEusVault, state: 'ProtectionStopped' },
    },
    {
      name: 'vm-batch-eus-01',
      ip: '10.10.2.20',
      asgs: [asgBackup],
      nicNsgId: nsgNicLocked,
      protectedBy: { vaultId: prodEusVault },
    },
  ]);
  vmsIn(rows, P, 'RG-Data-EUS', 'eastus', dataSubnet, [
    { name: 'vm-sql-eus-01', ip: '10.10.3.4', os: 'Windows', protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-sql-eus-02', ip: '10.10.3.5', os: 'Windows' },
    { name: 'vm-sql-eus-03', ip: '10.10.3.6', os: 'Windows', tags: { 'backup-exempt': '2099-12-31' } },
  ]);

  // prod / westeurope: a legacy LRS vault; a web tier behind a Deny_All at 1000; one VM moved here after protection in eastus.
  const weuNet = 'rg-network-weu';
  const nsgWebWeu = rid(P, weuNet, 'Microsoft.Network', 'networkSecurityGroups', 'nsg-web-weu');
  const vnetWeu = rid(P, weuNet, 'Microsoft.Network', 'virtualNetworks', 'vnet-prod-weu');
  rows.push(
    vnetRow(P, weuNet, 'vnet-prod-weu', 'westeurope', '10.20.0.0/16', [
      { name: 'snet-web', cidr: '10.20.1.0/24', nsgId: nsgWebWeu },
      { name: 'snet-app', cidr: '10.20.2.0/24' },
    ]),
  );
  rows.push(
    nsgRow(
      P,
      weuNet,
      'nsg-web-weu',
      'westeurope',
      [
        { name: 'Allow-VNet-Outbound', priority: 900, access: 'Allow', destination: 'VirtualNetwork' },
        { name: 'Deny_All', priority: 1000, access: 'Deny' },
      ],
      { subnets: [`${vnetWeu}/subnets/snet-web`] },
    ),
  );
  vmsIn(rows, P, 'RG-Web-WEU', 'westeurope', `${vnetWeu}/subnets/snet-web`, [
    { name: 'vm-web-weu-01', ip: '10.20.1.4', protectedBy: { vaultId: prodWeuVault } },
    { name: 'vm-web-weu-02', ip: '10.20.1.5' },
    { name: 'vm-web-weu-03', ip: '10.20.1.6', os: 'Windows' },
    { name: 'vm-web-weu-04', ip: '10.20.1.7', tags: { 'backup-exempt': '2021-06-30' } },
  ]);
  vmsIn(rows, P, 'RG-App-WEU', 'westeurope', `${vnetWeu}/subnets/snet-app`, [
    { name: 'vm-app-weu-01', ip: '10.20.2.4', protectedBy: { vaultId: prodWeuVault } },
    { name: 'vm-app-weu-02', ip: '10.20.2.5', protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-app-weu-03', ip: '10.20.2.6', protectedBy: { vaultId: prodWeuVault, state: 'ProtectionError' } },
    { name: 'vm-app-weu-04', ip: '10.20.2.7', tags: { 'backup-exempt': 'ask-bob' } },
  ]);
  // A protected item whose VM was deleted.
  rows.push(
    protectedItemRow(
      prodWeuVault,
      rid(P, 'RG-App-WEU', 'Microsoft.Compute', 'virtualMachines', 'vm-app-weu-retired'),
      'westeurope',
      'ProtectionConfigured',
    ),
  );

  // prod / japaneast: no vault in the region; the app subnet's NSG has no free priority below its deny.
  const jpeNet = 'rg-network-jpe';
  const nsgAppJpe = rid(P, jpeNet, 'Microsoft.Network', 'networkSecurityGroups', 'nsg-app-jpe');
  const vnetJpe = rid(P, jpeNet, 'Microsoft.Network', 'virtualNetworks', 'vnet-prod-jpe');
  rows.push(
    vnetRow(P, jpeNet, 'vnet-prod-jpe', 'japaneast', '10.30.0.0/16', [
      { name: 'snet-app', cidr: '10.30.1.0/24', nsgId: nsgAppJpe },
      { name: 'snet-tools', cidr: '10.30.2.0/24' },
    ]),
  );
  rows.push(
    nsgRow(
      P,
      jpeNet,
      'nsg-app-jpe',
      'japaneast',
      [
        { name: 'Allow-DNS', priority: 100, access: 'Allow', protocol: 'Udp', ports: '53', destination: '10.30.0.4' },
        { name: 'Allow-NTP', priority: 101, access: 'Allow', protocol: 'Udp', ports: '123', destination: '*' },
        {
          name: 'Allow-Proxy',
          priority: 102,
          access: 'Allow',
          protocol: 'Tcp',
          ports: '3128',
          destination: '10.30.0.10',
        },
        { name: 'Deny-All-Outbound', priority: 103, access: 'Deny' },
      ],
      { subnets: [`${vnetJpe}/subnets/snet-app`], withDefaults: false },
    ),
  );
  vmsIn(rows, P, 'RG-App-JPE', 'japaneast', `${vnetJpe}/subnets/snet-app`, [
    { name: 'vm-app-jpe-01', ip: '10.30.1.4' },
    { name: 'vm-app-jpe-02', ip: '10.30.1.5' },
  ]);
  vmsIn(rows, P, 'RG-Tools-JPE', 'japaneast', `${vnetJpe}/subnets/snet-tools`, [
    { name: 'vm-tools-jpe-01', ip: '10.30.2.4', os: 'Windows' },
    { name: 'vm-tools-jpe-02', ip: '10.30.2.5', power: 'PowerState/deallocated' },
  ]);

  // The backup failures of vm-web-eus-01, which the web subnet's Deny-Internet-Outbound causes (issue 12):
  // Azure still says Protected, but the snapshot extension cannot reach Storage.
  const webEus01 = rid(P, 'RG-Web-EUS', 'Microsoft.Compute', 'virtualMachines', 'vm-web-eus-01');
  patchProperties(rows, protectedItemRow(prodEusVault, webEus01, 'eastus').id as string, {
    protectionStatus: 'Unhealthy',
    healthStatus: 'ActionRequired',
    lastBackupStatus: 'Failed',
    lastBackupTime: '2026-11-30T22:41:12.5514407Z',
    lastRecoveryPoint: '2026-11-27T22:38:05.1137391Z',
    healthDetails: [
      {
        code: 400045,
        title: 'ExtensionSnapshotFailedNoNetwork',
        message: 'Snapshot operation failed due to no network connectivity on the virtual machine.',
        recommendations: ['Ensure that the VM has network connectivity to Azure Storage (Storage service tag).'],
      },
    ],
  });

  // The vaults' DefaultPolicy, as Resource Graph lists it: the schedule a failing backup's staleness is judged by.
  rows.push(backupPolicyRow(prodEusVault, 'eastus'), backupPolicyRow(prodWeuVault, 'westeurope'));

  // The prod eastus vault was created with ARM's default: no cross-region restore (reported, never changed).
  patchProperties(rows, prodEusVault, {
    redundancySettings: { standardTierStorageRedundancy: 'GeoRedundant', crossRegionRestore: 'Disabled' },
  });

  // dev: no vault anywhere; one VM backed up cross-subscription by the prod eastus vault.
  const devNet = 'rg-dev-network';
  const nsgDevEus = rid(D, devNet, 'Microsoft.Network', 'networkSecurityGroups', 'nsg-dev-eus');
  const vnetDevEus = rid(D, devNet, 'Microsoft.Network', 'virtualNetworks', 'vnet-dev-eus');
  const vnetDevWeu = rid(D, devNet, 'Microsoft.Network', 'virtualNetworks', 'vnet-dev-weu');
  rows.push(
    vnetRow(D, devNet, 'vnet-dev-eus', 'eastus', '10.50.0.0/16', [
      { name: 'default', cidr: '10.50.0.0/24', nsgId: nsgDevEus },
    ]),
  );
  rows.push(
    vnetRow(D, devNet, 'vnet-dev-weu', 'westeurope', '10.60.0.0/16', [{ name: 'default', cidr: '10.60.0.0/24' }]),
  );
  rows.push(
    nsgRow(
      D,
      devNet,
      'nsg-dev-eus',
      'eastus',
      [
        {
          name: 'Allow-SSH-Corp',
          priority: 100,
          direction: 'Inbound',
          access: 'Allow',
          protocol: 'Tcp',
          ports: '22',
          source: '203.0.113.0/24',
        },
        {
          name: 'Deny-8443-Outbound',
          priority: 2000,
          access: 'Deny',
          protocol: 'Tcp',
          portList: ['8000-8999'],
          destination: 'Internet',
        },
      ],
      { subnets: [`${vnetDevEus}/subnets/default`] },
    ),
  );
  vmsIn(rows, D, 'rg-dev-eus', 'eastus', `${vnetDevEus}/subnets/default`, [
    { name: 'vm-dev-eus-01', ip: '10.50.0.4' },
    { name: 'vm-dev-eus-02', ip: '10.50.0.5' },
    { name: 'vm-dev-eus-03', ip: '10.50.0.6', managed: false },
    { name: 'vm-dev-eus-04', ip: '10.50.0.7', protectedBy: { vaultId: prodEusVault } },
    { name: 'vm-dev-eus-05', ip: '10.50.0.8', os: 'Windows' },
  ]);
  vmsIn(rows, D, 'rg-dev-weu', 'westeurope', `${vnetDevWeu}/subnets/default`, [
    { name: 'vm-dev-weu-01', ip: '10.60.0.4' },
    { name: 'vm-dev-weu-02', ip: '10.60.0.5', os: 'Windows' },
    { name: 'vm-dev-weu-03', ip: '10.60.0.6', tags: { 'Backup-Exempt': '' } },
    // An Ultra-disk database VM: only an Enhanced (V2) policy protects it (issue 12).
    { name: 'vm-db-weu-01', ip: '10.60.0.7' },
  ]);
  patchProperties(rows, rid(D, 'rg-dev-weu', 'Microsoft.Compute', 'virtualMachines', 'vm-db-weu-01'), {
    hardwareProfile: { vmSize: 'Standard_E4bds_v5' },
    additionalCapabilities: { ultraSSDEnabled: true },
  });
  storageProfileOf(rows, rid(D, 'rg-dev-weu', 'Microsoft.Compute', 'virtualMachines', 'vm-db-weu-01')).dataDisks = [
    {
      lun: 0,
      name: 'vm-db-weu-01_data_0',
      createOption: 'Empty',
      caching: 'None',
      diskSizeGB: 1024,
      managedDisk: {
        storageAccountType: 'UltraSSD_LRS',
        id: rid(D, 'RG-DEV-WEU', 'Microsoft.Compute', 'disks', 'vm-db-weu-01_data_0'),
      },
    },
  ];

  // A Databricks workspace's worker VM: its managed resource group (databricks-rg-*) and image exclude it
  // from Azure Backup.
  const dbxRg = 'databricks-rg-dbw-analytics-weu-3kq7';
  vmsIn(rows, D, dbxRg, 'westeurope', `${vnetDevWeu}/subnets/default`, [
    { name: '0b4f1c2e9a7d4e3fa5c6d7e8f9a0b1c2', ip: '10.60.0.10', tags: { Vendor: 'Databricks' } },
  ]);
  storageProfileOf(
    rows,
    rid(D, dbxRg, 'Microsoft.Compute', 'virtualMachines', '0b4f1c2e9a7d4e3fa5c6d7e8f9a0b1c2'),
  ).imageReference = { publisher: 'AzureDatabricks', offer: 'databricks', sku: 'databricksworker', version: '3.4.1' };
  return rows;
}

/** The storage profile of the VM row with this id, to edit in place. */
function storageProfileOf(rows: Row[], id: string): Row {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`sample estate: no row ${id}`);
  return (row.properties as Row).storageProfile as Row;
}

/** Merges `props` into the `properties` of the row with this id (exact id). */
function patchProperties(rows: Row[], id: string, props: Row): void {
  const row = rows.find((r) => r.id === id);
  if (!row) throw new Error(`sample estate: no row ${id}`);
  row.properties = { ...(row.properties as Row), ...props };
}

/**
 * A synthetic estate of about `vmCount` VMs for benchmarks: `subscriptions` subscriptions × 3 regions,
 * one subnet NSG per 50 VMs (a third of them blocking), a vault per subscription and region, 60% protected.
 */
export function syntheticEstate(vmCount: number, subscriptions = 4): Row[] {
  const rows: Row[] = [];
  const regions = ['eastus', 'westeurope', 'japaneast'];
  const subs = Array.from(
    { length: subscriptions },
    (_, i) => `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
  );
  const perSubnet = 50;
  let vm = 0;
  let subnetIndex = 0;
  while (vm < vmCount) {
    const sub = subs[subnetIndex % subs.length] as string;
    const region = regions[Math.floor(subnetIndex / subs.length) % regions.length] as string;
    const net = `rg-net-${region}`;
    const vnetName = `vnet-${subnetIndex}`;
    const nsgName = `nsg-${subnetIndex}`;
    const nsgId = rid(sub, net, 'Microsoft.Network', 'networkSecurityGroups', nsgName);
    const vnetId = rid(sub, net, 'Microsoft.Network', 'virtualNetworks', vnetName);
    const a = Math.floor(subnetIndex / 250) % 250;
    const b = subnetIndex % 250;
    rows.push(
      vnetRow(sub, net, vnetName, region, `10.${a}.${b}.0/24`, [{ name: 'default', cidr: `10.${a}.${b}.0/24`, nsgId }]),
    );
    rows.push(
      nsgRow(
        sub,
        net,
        nsgName,
        region,
        subnetIndex % 3 === 0
          ? [{ name: 'Deny-Internet', priority: 4000, access: 'Deny', destination: 'Internet' }]
          : [
              {
                name: 'Allow-Web',
                priority: 100,
                direction: 'Inbound',
                access: 'Allow',
                protocol: 'Tcp',
                ports: '443',
              },
            ],
      ),
    );
    const vaultId = rid(sub, 'rg-backup', 'Microsoft.RecoveryServices', 'vaults', `rsv-${region}`);
    if (!rows.some((r) => r.id === vaultId))
      rows.push(vaultRow(sub, 'rg-backup', `rsv-${region}`, region, 'GeoRedundant'));
    const specs: VmSpec[] = [];
    for (let i = 0; i < perSubnet && vm < vmCount; i++, vm++) {
      specs.push({
        name: `vm-${vm}`,
        ip: `10.${a}.${b}.${i + 4}`,
        ...(vm % 5 < 3 ? { protectedBy: { vaultId } } : {}),
      });
    }
    vmsIn(rows, sub, `rg-app-${region}`, region, `${vnetId}/subnets/default`, specs);
    subnetIndex++;
  }
  return rows;
}

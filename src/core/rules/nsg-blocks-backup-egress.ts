import { idKey, sameId } from '../ids';
import type { EgressPath } from '../inventory';
import type { VirtualMachine } from '../model';
import { blockedBackupEgress, targetsStorageExplicitly } from '../nsg';
import { storageServiceTag } from '../regions';
import type { EngineConfig } from '../engine-config';
import { fail, pass, vmRule } from './types';

/** The TCP ports the backup extension needs to Storage: 443, plus 8443 for managed disks, plus 80 when configured. */
export function requiredBackupPorts(vm: VirtualMachine, config: EngineConfig): number[] {
  const ports = [443];
  if (vm.managedOsDisk) ports.push(8443);
  if (config.includePort80) ports.push(80);
  return ports.sort((a, b) => a - b);
}

/**
 * The paths that carry the VM's outbound traffic: the primary NIC (marked primary, else the first) and its
 * primary ipconfig (marked primary, else every ipconfig).
 */
export function primaryPaths(vm: VirtualMachine, paths: EgressPath[]): EgressPath[] {
  if (paths.length === 0) return paths;
  const primaryNicId = vm.primaryNetworkInterfaceId ?? vm.networkInterfaceIds[0];
  const onNic = paths.filter((p) => sameId(p.nic.id, primaryNicId));
  const nicPaths =
    onNic.length > 0 ? onNic : paths.filter((p) => idKey(p.nic.id) === idKey((paths[0] as EgressPath).nic.id));
  const primary = nicPaths.filter((p) => p.ipConfiguration.primary === true);
  return primary.length > 0 ? primary : nicPaths;
}

/** One blocking rule as the finding's details report it. */
export type BlockingRule = {
  nsgId: string;
  nsgName: string;
  rule: string;
  priority: number;
  port: number;
  explicitStorageDeny: boolean;
};

/**
 * The backup extension reaches `Storage.<region>` over TCP 443 (and 8443 for managed disks): neither the
 * NIC's nor the subnet's NSG denies it (first match by priority; platform defaults when absent).
 */
export const nsgBlocksBackupEgress = vmRule({
  id: 'nsg-blocks-backup-egress',
  severity: 'high',
  subject: 'virtualMachine',
  description: "No NSG rule blocks the backup extension's outbound traffic to Storage in the VM's region.",
  remediation: 'add-nsg-rule',
  evaluate: (vm, { inventory, config, warn }) => {
    const { paths, missing } = inventory.egressPaths(vm);
    for (const ref of missing)
      warn(`VM '${vm.id}': '${ref}' is not in the inventory; its NSG path is evaluated without it`);
    const ports = requiredBackupPorts(vm, config);
    const blocking: BlockingRule[] = [];
    const seen = new Set<string>();
    for (const path of primaryPaths(vm, paths)) {
      const source = {
        applicationSecurityGroupIds: path.ipConfiguration.applicationSecurityGroupIds,
        ...(path.ipConfiguration.privateIPAddress ? { privateIPAddress: path.ipConfiguration.privateIPAddress } : {}),
      };
      for (const m of blockedBackupEgress([path.nicNsg, path.subnetNsg], source, vm.location, ports)) {
        const key = `${idKey(m.nsgId)}|${m.rule.name}|${m.port}`;
        if (seen.has(key)) continue;
        seen.add(key);
        blocking.push({
          nsgId: m.nsgId,
          nsgName: m.nsgName,
          rule: m.rule.name,
          priority: m.rule.priority,
          port: m.port,
          explicitStorageDeny: targetsStorageExplicitly(m.rule, vm.location),
        });
      }
    }
    if (blocking.length === 0) return pass();
    const summary = blocking.map((b) => `${b.nsgName}/${b.rule} (priority ${b.priority}) denies ${b.port}`).join('; ');
    return fail(`VM '${vm.name}' cannot reach ${storageServiceTag(vm.location)}: ${summary}`, {
      serviceTag: storageServiceTag(vm.location),
      requiredPorts: ports,
      blocking,
    });
  },
});

import { ancestorId, idKey, sameId } from '../ids';
import type { EgressPath } from '../inventory';
import type { VirtualMachine } from '../model';
import { evaluatePathPort, routeHops, type DecidedBy } from '../network/egress';
import { storageTarget, targetsStorageExplicitly, type AddressEvaluation } from '../nsg';
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

/** One blocking NSG rule as the finding's details report it. */
export type BlockingRule = {
  nsgId: string;
  nsgName: string;
  rule: string;
  priority: number;
  port: number;
  explicitStorageDeny: boolean;
  /** Share of the port's flows (Storage addresses × ephemeral source ports) this rule denies. */
  share: number;
};

/** A security admin rule that denies backup egress. */
export type BlockingAdminRule = { id: string; name: string; priority: number; port: number; share: number };

/** A route that drops backup egress (next hop `None`). */
export type BlockingRoute = {
  routeTableId: string;
  routeTable: string;
  route: string;
  addressPrefix: string;
  share: number;
};

/** The finding's details: the verdict, the blocked share, what decided it, and the deciding rules. */
export type EgressDetails = {
  serviceTag: string;
  requiredPorts: number[];
  verdict: 'blocked' | 'partially-blocked';
  /** The largest blocked share over the required ports (1 = every flow of some port is blocked). */
  blockedShare: number;
  decidedBy: DecidedBy;
  /** `exact` when Storage's ranges came from the Service Tag Discovery API, else `tag-names`. */
  addressEvaluation: AddressEvaluation;
  /** Per required port: the blocked share. */
  ports: { port: number; blockedShare: number }[];
  blocking: BlockingRule[];
  adminRules: BlockingAdminRule[];
  routes: BlockingRoute[];
  /** Why the narrow allow rule would not fix the whole block, when it would not. */
  notFixableByNsgRule?: string;
};

const round = (n: number): number => Math.round(n * 1e6) / 1e6;

/**
 * The backup extension reaches `Storage.<region>` over TCP 443 (and 8443 for managed disks): no security
 * admin rule, NSG (NIC then subnet, first match by priority) or `None` route drops any of those flows.
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
    const target = storageTarget(vm.location, inventory.network.serviceTags);
    // A tag-name reading is said in the finding (addressEvaluation) and in summary.coverage.degraded.
    const blocking: BlockingRule[] = [];
    const adminRules: BlockingAdminRule[] = [];
    const routes: BlockingRoute[] = [];
    const perPort = new Map<number, number>();
    let adminShare = 0;
    let routeShare = 0;
    const seen = new Set<string>();
    for (const path of primaryPaths(vm, paths)) {
      const source = {
        applicationSecurityGroupIds: path.ipConfiguration.applicationSecurityGroupIds,
        ...(path.ipConfiguration.privateIPAddress ? { privateIPAddress: path.ipConfiguration.privateIPAddress } : {}),
      };
      const subnetId = path.ipConfiguration.subnetId;
      const routeTable = inventory.network.routeTableOf(subnetId);
      const input = {
        source,
        nsgs: [path.nicNsg, path.subnetNsg],
        adminRules: inventory.network.adminRulesFor(subnetId ? ancestorId(subnetId, 1) : undefined),
        routeTable,
        target,
      };
      for (const port of ports) {
        const v = evaluatePathPort(input, port);
        perPort.set(port, Math.max(perPort.get(port) ?? 0, v.blockedShare));
        for (const a of v.adminDenies) {
          adminShare = Math.max(adminShare, a.share);
          const key = `admin|${idKey(a.rule.id)}|${port}`;
          if (seen.has(key)) continue;
          seen.add(key);
          adminRules.push({ id: a.rule.id, name: a.rule.name, priority: a.rule.priority, port, share: round(a.share) });
        }
        if (v.routeDropShare > 0 && routeTable) {
          routeShare = Math.max(routeShare, v.routeDropShare);
          for (const hop of routeHops(routeTable, target)) {
            if (hop.nextHopType.toLowerCase() !== 'none' || !hop.route) continue;
            const key = `route|${idKey(routeTable.id)}|${hop.route.name}`;
            if (seen.has(key)) continue;
            seen.add(key);
            routes.push({
              routeTableId: routeTable.id,
              routeTable: routeTable.name,
              route: hop.route.name,
              addressPrefix: hop.route.addressPrefix,
              share: round(hop.share),
            });
          }
        }
        if (v.blockedShare === 0) continue;
        for (const { nsg, denying } of v.nsgDenies) {
          for (const d of denying) {
            const key = `${idKey(nsg.id)}|${d.rule.name}|${port}`;
            if (seen.has(key)) continue;
            seen.add(key);
            blocking.push({
              nsgId: nsg.id,
              nsgName: nsg.name,
              rule: d.rule.name,
              priority: d.rule.priority,
              port,
              explicitStorageDeny: targetsStorageExplicitly(d.rule, vm.location),
              share: round(d.share),
            });
          }
        }
      }
    }
    const blockedShare = round(Math.max(0, ...perPort.values()));
    if (blockedShare === 0) return pass();
    const decidedBy: DecidedBy = adminShare > 0 ? 'security-admin-rule' : blocking.length > 0 ? 'nsg' : 'route';
    const verdict = [...perPort.values()].some((s) => s >= 1 - 1e-9) ? 'blocked' : 'partially-blocked';
    const details: EgressDetails = {
      serviceTag: storageServiceTag(vm.location),
      requiredPorts: ports,
      verdict,
      blockedShare,
      decidedBy,
      addressEvaluation: target.mode,
      ports: [...perPort].map(([port, share]) => ({ port, blockedShare: round(share) })),
      blocking,
      adminRules,
      routes,
    };
    if (adminShare > 0)
      details.notFixableByNsgRule =
        'a Virtual Network Manager security admin rule denies it; NSG rules are evaluated after it';
    else if (routeShare > 0) details.notFixableByNsgRule = "a route with next hop 'None' drops it";
    const parts = [
      ...adminRules.map((a) => `admin rule ${a.name} (priority ${a.priority}) denies ${a.port}`),
      ...blocking.map((b) => `${b.nsgName}/${b.rule} (priority ${b.priority}) denies ${b.port}`),
      ...routes.map((r) => `route ${r.routeTable}/${r.route} drops ${r.addressPrefix}`),
    ];
    const share = verdict === 'blocked' ? '' : ` (${(blockedShare * 100).toFixed(2)}% of flows)`;
    const how = target.mode === 'tag-names' ? '; evaluated by tag names: service tags were not read' : '';
    return fail(
      `VM '${vm.name}' ${verdict === 'blocked' ? 'cannot reach' : 'reaches only partly'} ${storageServiceTag(vm.location)}${share}: ${parts.join('; ')}${how}`,
      details,
    );
  },
});

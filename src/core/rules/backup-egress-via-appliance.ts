/**
 * backup-egress-via-appliance: a route sends the VM's backup traffic to Storage through a virtual appliance,
 * an Azure Firewall or a VPN/ExpressRoute gateway (forced tunnelling), which must allow it. Report only:
 * firewalls and routes are never changed (docs/azure-facts.md §11).
 */
import { evaluateFirewall, isApplianceHop, routeHops, type FirewallPortVerdict } from '../network/egress';
import { ipv4ToNumber } from '../network/addresses';
import { storageTarget, type AddressEvaluation } from '../nsg';
import { storageServiceTag } from '../regions';
import { primaryPaths, requiredBackupPorts } from './nsg-blocks-backup-egress';
import { fail, pass, vmRule } from './types';

/** One route that carries backup traffic to an appliance, with the firewall's verdict when one was evaluated. */
export type ApplianceHop = {
  routeTableId: string;
  routeTable: string;
  route: string;
  addressPrefix: string;
  nextHopType: string;
  nextHopIpAddress?: string;
  /** Share of Storage.<region>'s addresses this route carries. */
  share: number;
  firewall?: { id: string; name: string; firewallPolicyId?: string; ports?: FirewallPortVerdict[] };
};

/** The finding's details: the hops, the firewall verdict and what to allow. */
export type ApplianceDetails = {
  serviceTag: string;
  requiredPorts: number[];
  addressEvaluation: AddressEvaluation;
  hops: ApplianceHop[];
  /** `blocks` / `allows` when an Azure Firewall's policy was evaluated, else `not-evaluated`. */
  firewallVerdict: 'allows' | 'blocks' | 'not-evaluated';
  /** What the appliance must allow (the seed guide's Azure Firewall option). */
  toAllow: string;
};

const TO_ALLOW =
  "allow TCP to the AzureBackup FQDN tag over HTTPS 443 (an application rule), and Storage.<region> on 443 and 8443 for managed disks (a network rule): the backup guide's Azure Firewall option";

/** Backup traffic to Storage leaves the subnet directly, not through an appliance that may drop it. */
export const backupEgressViaAppliance = vmRule({
  id: 'backup-egress-via-appliance',
  severity: 'medium',
  subject: 'virtualMachine',
  description: "The backup extension's traffic to Storage leaves the subnet without a virtual appliance or gateway.",
  evaluate: (vm, { inventory, config }) => {
    const network = inventory.network;
    if (network.routeTables.size === 0) return pass();
    const ports = requiredBackupPorts(vm, config);
    const target = storageTarget(vm.location, network.serviceTags);
    const hops: ApplianceHop[] = [];
    const verdicts: boolean[] = [];
    for (const path of primaryPaths(vm, inventory.egressPaths(vm).paths)) {
      const table = network.routeTableOf(path.ipConfiguration.subnetId);
      if (!table) continue;
      for (const hop of routeHops(table, target)) {
        if (!hop.route || !isApplianceHop(hop.nextHopType)) continue;
        const h: ApplianceHop = {
          routeTableId: table.id,
          routeTable: table.name,
          route: hop.route.name,
          addressPrefix: hop.route.addressPrefix,
          nextHopType: hop.nextHopType,
          share: Math.round(hop.share * 1e6) / 1e6,
        };
        if (hop.nextHopIpAddress) h.nextHopIpAddress = hop.nextHopIpAddress;
        const fw = network.firewallAt(hop.nextHopIpAddress);
        if (fw) {
          h.firewall = { id: fw.id, name: fw.name };
          if (fw.firewallPolicyId) h.firewall.firewallPolicyId = fw.firewallPolicyId;
          const ip = ipv4ToNumber(path.ipConfiguration.privateIPAddress);
          const fwPorts = ports
            .map((p) => evaluateFirewall(network, fw, ip, target, p))
            .filter((v): v is FirewallPortVerdict => v !== undefined);
          if (fwPorts.length > 0) {
            h.firewall.ports = fwPorts;
            verdicts.push(fwPorts.every((p) => p.allowed));
          }
        }
        if (!hops.some((x) => x.routeTableId === h.routeTableId && x.route === h.route)) hops.push(h);
      }
    }
    if (hops.length === 0) return pass();
    const firewallVerdict = verdicts.length === 0 ? 'not-evaluated' : verdicts.every(Boolean) ? 'allows' : 'blocks';
    const via = hops
      .map(
        (h) =>
          `${h.routeTable}/${h.route} (${h.addressPrefix} → ${h.nextHopType}${h.nextHopIpAddress ? ` ${h.nextHopIpAddress}` : ''}${h.firewall ? `, Azure Firewall ${h.firewall.name}` : ''})`,
      )
      .join('; ');
    const verdictText =
      firewallVerdict === 'blocks'
        ? `; the firewall's policy does not allow backup traffic (${hops
            .flatMap((h) => h.firewall?.ports ?? [])
            .filter((p) => !p.allowed)
            .map((p) => `${p.port}: ${p.decidedBy}`)
            .join(', ')})`
        : firewallVerdict === 'allows'
          ? "; the firewall's policy allows it"
          : '; the appliance must allow it';
    const details: ApplianceDetails = {
      serviceTag: storageServiceTag(vm.location),
      requiredPorts: ports,
      addressEvaluation: target.mode,
      hops,
      firewallVerdict,
      toAllow: TO_ALLOW,
    };
    const violations = fail(
      `VM '${vm.name}' sends backup traffic to ${storageServiceTag(vm.location)} through ${via}${verdictText}`,
      details,
    );
    return firewallVerdict === 'blocks' ? violations.map((v) => ({ ...v, severity: 'high' as const })) : violations;
  },
});

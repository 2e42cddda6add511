import { describe, expect, it } from 'vitest';
import type { SecurityRule } from '../../src/core/model';
import {
  DEFAULT_OUTBOUND_RULES,
  blockedBackupEgress,
  destinationCoversStorage,
  evaluateNsgOutbound,
  highestFreeOutboundPriority,
  ipInCidr,
  outboundRulesInOrder,
  portRangesContain,
  portRangesCover,
  ruleMatchesBackupEgress,
  targetsStorageExplicitly,
} from '../../src/core/nsg';
import {
  aDenyAllOutboundRule,
  aRule,
  aSource,
  anAsgId,
  anNsg,
  anNsgId,
  defaultSecurityRulesOf,
} from '../fixtures/builders/nsg';

const EASTUS = 'eastus';

/** A deny rule at priority 1000 that blocks everything outbound unless the overrides narrow it. */
function aDeny(overrides: Partial<SecurityRule>): SecurityRule {
  return aDenyAllOutboundRule({ name: 'Deny-Under-Test', priority: 1000, ...overrides });
}

interface Verdict {
  allowed: boolean;
  rule: string;
}
const BLOCKED: Verdict = { allowed: false, rule: 'Deny-Under-Test' };
const ALLOWED_BY_DEFAULT: Verdict = { allowed: true, rule: 'AllowInternetOutBound' };

function verdict(rules: SecurityRule[], port = 443, source = aSource(), location = EASTUS): Verdict {
  const decision = evaluateNsgOutbound(anNsg({ rules }), source, location, port);
  return { allowed: decision.allowed, rule: decision.decidingRule.name };
}

describe('nsg-blocks-backup-egress evaluator', () => {
  describe('one NSG, first match on the destination', () => {
    it.each<[string, string[], Verdict]>([
      ['Internet', ['Internet'], BLOCKED],
      ['internet (lower case)', ['internet'], BLOCKED],
      ['*', ['*'], BLOCKED],
      ['0.0.0.0/0', ['0.0.0.0/0'], BLOCKED],
      ['AzureCloud', ['AzureCloud'], BLOCKED],
      ['AzureCloud.EastUS', ['AzureCloud.EastUS'], BLOCKED],
      ['AzureCloud.eastus (as ServiceTags lists it)', ['AzureCloud.eastus'], BLOCKED],
      ['Storage', ['Storage'], BLOCKED],
      ['Storage.EastUS', ['Storage.EastUS'], BLOCKED],
      ['storage.eastus (lower case)', ['storage.eastus'], BLOCKED],
      ['STORAGE.EASTUS (upper case)', ['STORAGE.EASTUS'], BLOCKED],
      ['a prefix list holding 0.0.0.0/0', ['20.0.0.0/8', '0.0.0.0/0'], BLOCKED],
      ['Storage.WestEurope (another region)', ['Storage.WestEurope'], ALLOWED_BY_DEFAULT],
      ['Storage.EastUS2 (a region whose name extends eastus)', ['Storage.EastUS2'], ALLOWED_BY_DEFAULT],
      ['AzureCloud.WestUS (another region)', ['AzureCloud.WestUS'], ALLOWED_BY_DEFAULT],
      ['Storage. (no region)', ['Storage.'], ALLOWED_BY_DEFAULT],
      ['another CIDR (Storage ranges are unknown offline)', ['20.38.0.0/16'], ALLOWED_BY_DEFAULT],
      ['a prefix list of other CIDRs', ['20.38.0.0/16', '52.239.0.0/16'], ALLOWED_BY_DEFAULT],
      ['another service tag', ['AzureMonitor'], ALLOWED_BY_DEFAULT],
      ['StorageSyncService (a tag that only starts with Storage)', ['StorageSyncService'], ALLOWED_BY_DEFAULT],
      ['VirtualNetwork', ['VirtualNetwork'], ALLOWED_BY_DEFAULT],
    ])('a deny to %s', (_title, destinationAddressPrefixes, expected) => {
      expect(verdict([aDeny({ destinationAddressPrefixes })])).toEqual(expected);
    });

    it('a deny whose destination is an ASG does not match Storage', () => {
      const rule = aDeny({
        destinationAddressPrefixes: [],
        destinationApplicationSecurityGroupIds: [anAsgId('asg-storage')],
      });
      expect(verdict([rule])).toEqual(ALLOWED_BY_DEFAULT);
    });

    it('AzureCloud.<region> matches a VM location given as a display name', () => {
      expect(
        verdict(
          [aDeny({ destinationAddressPrefixes: ['AzureCloud.SouthCentralUS'] })],
          443,
          aSource(),
          'South Central US',
        ),
      ).toEqual(BLOCKED);
    });
  });

  describe('protocol', () => {
    it.each<[string, Verdict]>([
      ['Tcp', BLOCKED],
      ['TCP', BLOCKED],
      ['tcp', BLOCKED],
      ['*', BLOCKED],
      ['Udp', ALLOWED_BY_DEFAULT],
      ['UDP', ALLOWED_BY_DEFAULT],
      ['Icmp', ALLOWED_BY_DEFAULT],
      ['Esp', ALLOWED_BY_DEFAULT],
      ['Ah', ALLOWED_BY_DEFAULT],
    ])('a deny for protocol %s', (protocol, expected) => {
      expect(verdict([aDeny({ protocol })])).toEqual(expected);
    });
  });

  describe('destination ports', () => {
    it.each<[string, string[], number, Verdict]>([
      ['443 on 443', ['443'], 443, BLOCKED],
      ['443 on 8443', ['443'], 8443, ALLOWED_BY_DEFAULT],
      ['400-500 on 443', ['400-500'], 443, BLOCKED],
      ['400-500 on its lower bound 400', ['400-500'], 400, BLOCKED],
      ['400-500 on its upper bound 500', ['400-500'], 500, BLOCKED],
      ['400-500 on 501', ['400-500'], 501, ALLOWED_BY_DEFAULT],
      ['* on 8443', ['*'], 8443, BLOCKED],
      ['the list 80, 8443 on 443', ['80', '8443'], 443, ALLOWED_BY_DEFAULT],
      ['the list 80, 8443 on 8443', ['80', '8443'], 8443, BLOCKED],
      ['the list 8080-8084, 8086 on 8086', ['8080-8084', '8086'], 8086, BLOCKED],
      ['a comma list "80,443" on 443', ['80,443'], 443, BLOCKED],
      ['a comma list "80, 8443" on 8443', ['80, 8443'], 8443, BLOCKED],
      ['the malformed abc on 443', ['abc'], 443, ALLOWED_BY_DEFAULT],
      ['the reversed 500-400 on 443', ['500-400'], 443, ALLOWED_BY_DEFAULT],
      ['no ranges at all on 443', [], 443, ALLOWED_BY_DEFAULT],
    ])('a deny for %s', (_title, destinationPortRanges, port, expected) => {
      expect(verdict([aDeny({ destinationPortRanges })], port)).toEqual(expected);
    });
  });

  describe('source ports must cover the ephemeral range 1024-65535', () => {
    it.each<[string, string[], Verdict]>([
      ['*', ['*'], BLOCKED],
      ['0-65535', ['0-65535'], BLOCKED],
      ['1024-65535', ['1024-65535'], BLOCKED],
      ['1024-40000 + 40001-65535', ['1024-40000', '40001-65535'], BLOCKED],
      ['40001-65535 + 1024-40000 (unordered)', ['40001-65535', '1024-40000'], BLOCKED],
      ['overlapping 0-2000 + 1500-65535', ['0-2000', '1500-65535'], BLOCKED],
      ['1024-40000 alone', ['1024-40000'], ALLOWED_BY_DEFAULT],
      ['1024-40000 + 40002-65535 (a gap at 40001)', ['1024-40000', '40002-65535'], ALLOWED_BY_DEFAULT],
      ['1025-65535 (misses 1024)', ['1025-65535'], ALLOWED_BY_DEFAULT],
      ['80', ['80'], ALLOWED_BY_DEFAULT],
      ['abc', ['abc'], ALLOWED_BY_DEFAULT],
    ])('a deny from source ports %s', (_title, sourcePortRanges, expected) => {
      expect(verdict([aDeny({ sourcePortRanges })])).toEqual(expected);
    });
  });

  describe('source addresses (ipconfig 10.0.1.4)', () => {
    it.each<[string, string[], Verdict]>([
      ['*', ['*'], BLOCKED],
      ['VirtualNetwork', ['VirtualNetwork'], BLOCKED],
      ['virtualnetwork (lower case)', ['virtualnetwork'], BLOCKED],
      ['0.0.0.0/0', ['0.0.0.0/0'], BLOCKED],
      ['10.0.1.0/24 (contains the IP)', ['10.0.1.0/24'], BLOCKED],
      ['10.0.0.0/8 (contains the IP)', ['10.0.0.0/8'], BLOCKED],
      ['the bare IP 10.0.1.4', ['10.0.1.4'], BLOCKED],
      ['10.0.1.4/32', ['10.0.1.4/32'], BLOCKED],
      ['a list whose second prefix contains the IP', ['192.168.0.0/16', '10.0.0.0/8'], BLOCKED],
      ['10.0.2.0/24 (does not contain the IP)', ['10.0.2.0/24'], ALLOWED_BY_DEFAULT],
      ['the bare IP 10.0.1.5', ['10.0.1.5'], ALLOWED_BY_DEFAULT],
      ['AzureLoadBalancer', ['AzureLoadBalancer'], ALLOWED_BY_DEFAULT],
      ['the bad CIDR 10.0.1.0/33', ['10.0.1.0/33'], ALLOWED_BY_DEFAULT],
      ['the bad CIDR 10.0.1/24', ['10.0.1/24'], ALLOWED_BY_DEFAULT],
    ])('a deny from %s', (_title, sourceAddressPrefixes, expected) => {
      expect(verdict([aDeny({ sourceAddressPrefixes })])).toEqual(expected);
    });

    it.each<[string, string[], Verdict]>([
      ['*', ['*'], BLOCKED],
      ['VirtualNetwork', ['VirtualNetwork'], BLOCKED],
      ['0.0.0.0/0', ['0.0.0.0/0'], BLOCKED],
      ['10.0.1.0/24', ['10.0.1.0/24'], ALLOWED_BY_DEFAULT],
      ['10.0.1.4', ['10.0.1.4'], ALLOWED_BY_DEFAULT],
    ])('with the private IP unknown, a deny from %s', (_title, sourceAddressPrefixes, expected) => {
      expect(verdict([aDeny({ sourceAddressPrefixes })], 443, aSource({ privateIPAddress: undefined }))).toEqual(
        expected,
      );
    });

    it('an empty private IP counts as unknown', () => {
      expect(
        verdict([aDeny({ sourceAddressPrefixes: ['10.0.1.0/24'] })], 443, aSource({ privateIPAddress: '' })),
      ).toEqual(ALLOWED_BY_DEFAULT);
    });

    it('an IPv6 private IP is not inside an IPv4 CIDR', () => {
      expect(
        verdict([aDeny({ sourceAddressPrefixes: ['10.0.0.0/8'] })], 443, aSource({ privateIPAddress: 'fd00::4' })),
      ).toEqual(ALLOWED_BY_DEFAULT);
    });
  });

  describe('source application security groups', () => {
    it('a deny from an ASG the ipconfig belongs to matches, ids compared case-insensitively', () => {
      const rule = aDeny({
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroupIds: [anAsgId('asg-web').toLowerCase()],
      });
      expect(verdict([rule])).toEqual(BLOCKED);
    });

    it('a deny from one of several ASGs matches when the ipconfig is in any of them', () => {
      const rule = aDeny({
        sourceAddressPrefixes: [],
        sourceApplicationSecurityGroupIds: [anAsgId('asg-db'), anAsgId('asg-web')],
      });
      expect(verdict([rule])).toEqual(BLOCKED);
    });

    it('a deny from an ASG the ipconfig is not in does not match', () => {
      const rule = aDeny({ sourceAddressPrefixes: [], sourceApplicationSecurityGroupIds: [anAsgId('asg-db')] });
      expect(verdict([rule])).toEqual(ALLOWED_BY_DEFAULT);
    });

    it('a deny from an ASG matches only via membership, even next to a * prefix', () => {
      const rule = aDeny({ sourceAddressPrefixes: ['*'], sourceApplicationSecurityGroupIds: [anAsgId('asg-db')] });
      expect(verdict([rule])).toEqual(ALLOWED_BY_DEFAULT);
    });

    it('an ipconfig with no ASGs is caught by no ASG rule', () => {
      const rule = aDeny({ sourceAddressPrefixes: [], sourceApplicationSecurityGroupIds: [anAsgId('asg-web')] });
      expect(verdict([rule], 443, aSource({ applicationSecurityGroupIds: [] }))).toEqual(ALLOWED_BY_DEFAULT);
    });
  });

  describe('priority and direction', () => {
    it('the lower-numbered allow wins over a later deny', () => {
      expect(verdict([aRule({ name: 'Allow-Storage-EastUS', priority: 200 }), aDeny({ priority: 1000 })])).toEqual({
        allowed: true,
        rule: 'Allow-Storage-EastUS',
      });
    });

    it('the lower-numbered deny wins over a later allow, whatever the array order', () => {
      expect(verdict([aRule({ name: 'Allow-Storage-EastUS', priority: 1000 }), aDeny({ priority: 200 })])).toEqual(
        BLOCKED,
      );
    });

    it('a non-matching lower-numbered rule is passed over', () => {
      const udpAllow = aRule({ name: 'Allow-Udp', priority: 100, protocol: 'Udp' });
      expect(verdict([udpAllow, aDeny({ priority: 300 })])).toEqual(BLOCKED);
    });

    it('an inbound deny-all is ignored', () => {
      expect(verdict([aDeny({ direction: 'Inbound', priority: 100 })])).toEqual(ALLOWED_BY_DEFAULT);
    });

    it('an inbound rule that shares an outbound priority is ignored', () => {
      const inboundAllow = aRule({ name: 'Allow-Inbound', direction: 'Inbound', priority: 1000 });
      expect(verdict([inboundAllow, aDeny({ priority: 1000 })])).toEqual(BLOCKED);
    });

    it('a rule without a usable priority is ignored', () => {
      expect(verdict([aDeny({ priority: Number.NaN })])).toEqual(ALLOWED_BY_DEFAULT);
    });

    it('a custom deny-all at 4096 blocks Storage', () => {
      expect(verdict([aDenyAllOutboundRule()])).toEqual({ allowed: false, rule: 'Deny-All-Outbound' });
    });

    it('outbound rules come in evaluation order, custom before defaults', () => {
      const nsg = anNsg({
        rules: [
          aDeny({ priority: 1000 }),
          aRule({ priority: 200 }),
          aDeny({ name: 'In', direction: 'Inbound', priority: 100 }),
        ],
      });
      expect(outboundRulesInOrder(nsg).map((r) => `${r.name}@${r.priority}`)).toEqual([
        'Allow-Storage-EastUS@200',
        'Deny-Under-Test@1000',
        'AllowVnetOutBound@65000',
        'AllowInternetOutBound@65001',
        'DenyAllOutBound@65500',
      ]);
    });
  });

  describe('default rules', () => {
    it('with the row defaults present, AllowInternetOutBound of the row decides', () => {
      const nsg = anNsg();
      const decision = evaluateNsgOutbound(nsg, aSource(), EASTUS, 443);
      expect(decision.allowed).toBe(true);
      expect(decision.decidingRule).toBe(nsg.defaultSecurityRules[4]);
      expect(decision.decidingRule.id).toBe(`${anNsgId('nsg-app')}/defaultSecurityRules/AllowInternetOutBound`);
    });

    it('with the row defaults missing, the platform AllowInternetOutBound decides', () => {
      const decision = evaluateNsgOutbound(anNsg({ defaults: [] }), aSource(), EASTUS, 443);
      expect(decision).toEqual({ allowed: true, decidingRule: DEFAULT_OUTBOUND_RULES[1] });
      expect(decision.decidingRule).toMatchObject({
        name: 'AllowInternetOutBound',
        priority: 65001,
        isDefault: true,
        destinationAddressPrefixes: ['Internet'],
      });
    });

    it('with the row defaults missing, a custom deny still blocks', () => {
      const decision = evaluateNsgOutbound(anNsg({ defaults: [], rules: [aDeny({})] }), aSource(), EASTUS, 443);
      expect(decision.allowed).toBe(false);
      expect(decision.decidingRule.name).toBe('Deny-Under-Test');
    });

    it('with only the inbound defaults present, the platform outbound defaults apply', () => {
      const inboundOnly = defaultSecurityRulesOf(anNsgId('nsg-app')).filter((r) => r.direction === 'Inbound');
      const nsg = anNsg({ defaults: inboundOnly });
      expect(outboundRulesInOrder(nsg).map((r) => r.name)).toEqual([
        'AllowVnetOutBound',
        'AllowInternetOutBound',
        'DenyAllOutBound',
      ]);
      expect(evaluateNsgOutbound(nsg, aSource(), EASTUS, 443).decidingRule).toBe(DEFAULT_OUTBOUND_RULES[1]);
    });

    it('with incomplete row defaults that match nothing, the platform defaults decide', () => {
      const vnetOnly = defaultSecurityRulesOf(anNsgId('nsg-app')).filter((r) => r.name === 'AllowVnetOutBound');
      const decision = evaluateNsgOutbound(anNsg({ defaults: vnetOnly }), aSource(), EASTUS, 443);
      expect(decision).toEqual({ allowed: true, decidingRule: DEFAULT_OUTBOUND_RULES[1] });
    });

    it('the platform defaults are the three outbound defaults of NetworkSecurityGroupGet.json', () => {
      const fromExample = defaultSecurityRulesOf(anNsgId('nsg-app'))
        .filter((r) => r.direction === 'Outbound')
        .map(({ id: _id, ...rest }) => rest);
      expect(DEFAULT_OUTBOUND_RULES).toEqual(fromExample);
    });

    it('the platform defaults cannot be mutated', () => {
      expect(Object.isFrozen(DEFAULT_OUTBOUND_RULES)).toBe(true);
      expect(Object.isFrozen(DEFAULT_OUTBOUND_RULES[2])).toBe(true);
      expect(Object.isFrozen(DEFAULT_OUTBOUND_RULES[2]?.destinationAddressPrefixes)).toBe(true);
    });
  });

  describe('NIC NSG then subnet NSG', () => {
    const lockdown = (name: string) => anNsg({ name, rules: [aDeny({ destinationAddressPrefixes: ['Internet'] })] });
    const open = (name: string) => anNsg({ name });
    const source = aSource();

    it('both allow: egress is allowed', () => {
      expect(blockedBackupEgress([open('nsg-nic'), open('nsg-subnet')], source, EASTUS, [443, 8443])).toEqual([]);
    });

    it('no NSG at all: egress is allowed', () => {
      expect(blockedBackupEgress([undefined, undefined], source, EASTUS, [443, 8443])).toEqual([]);
      expect(blockedBackupEgress([], source, EASTUS, [443])).toEqual([]);
    });

    it('the subnet NSG blocks while the NIC NSG allows: blocked by the subnet NSG', () => {
      const subnet = lockdown('nsg-subnet');
      expect(blockedBackupEgress([open('nsg-nic'), subnet], source, EASTUS, [443])).toEqual([
        { nsgId: anNsgId('nsg-subnet'), nsgName: 'nsg-subnet', rule: subnet.securityRules[0], port: 443 },
      ]);
    });

    it('the NIC NSG blocks while the subnet NSG allows: blocked by the NIC NSG', () => {
      const nic = lockdown('nsg-nic');
      expect(blockedBackupEgress([nic, open('nsg-subnet')], source, EASTUS, [443])).toEqual([
        { nsgId: anNsgId('nsg-nic'), nsgName: 'nsg-nic', rule: nic.securityRules[0], port: 443 },
      ]);
    });

    it('an explicit Storage allow on the NIC does not help when the subnet denies', () => {
      const nic = anNsg({ name: 'nsg-nic', rules: [aRule({ priority: 100 }), aDenyAllOutboundRule()] });
      const blocks = blockedBackupEgress([nic, lockdown('nsg-subnet')], source, EASTUS, [443]);
      expect(blocks.map((b) => `${b.nsgName}:${b.rule.name}:${b.port}`)).toEqual(['nsg-subnet:Deny-Under-Test:443']);
    });

    it('both block: each NSG is reported, NIC first, port by port', () => {
      const blocks = blockedBackupEgress([lockdown('nsg-nic'), lockdown('nsg-subnet')], source, EASTUS, [443, 8443]);
      expect(blocks.map((b) => `${b.nsgName}:${b.rule.name}:${b.port}`)).toEqual([
        'nsg-nic:Deny-Under-Test:443',
        'nsg-nic:Deny-Under-Test:8443',
        'nsg-subnet:Deny-Under-Test:443',
        'nsg-subnet:Deny-Under-Test:8443',
      ]);
    });

    it('only the blocked ports are reported', () => {
      const nic = anNsg({ name: 'nsg-nic', rules: [aDeny({ destinationPortRanges: ['8443'] })] });
      const blocks = blockedBackupEgress([nic, undefined], source, EASTUS, [443, 8443]);
      expect(blocks.map((b) => `${b.nsgName}:${b.port}`)).toEqual(['nsg-nic:8443']);
    });

    it('a NIC NSG with missing defaults and no custom rules allows (platform defaults)', () => {
      expect(
        blockedBackupEgress([anNsg({ name: 'nsg-nic', defaults: [] }), undefined], source, EASTUS, [443, 8443]),
      ).toEqual([]);
    });

    it('one NSG on both the NIC and its subnet is reported once, and repeated ports once', () => {
      const nsg = lockdown('nsg-shared');
      const again = { ...nsg, id: nsg.id.toUpperCase() };
      const blocks = blockedBackupEgress([nsg, again], source, EASTUS, [443, 443]);
      expect(blocks.map((b) => `${b.nsgName}:${b.port}`)).toEqual(['nsg-shared:443']);
    });

    it('a deny to Storage.WestEurope does not block an eastus VM, but blocks a westeurope one', () => {
      const nsg = anNsg({ name: 'nsg-nic', rules: [aDeny({ destinationAddressPrefixes: ['Storage.WestEurope'] })] });
      expect(blockedBackupEgress([nsg], source, EASTUS, [443])).toEqual([]);
      expect(blockedBackupEgress([nsg], source, 'westeurope', [443]).map((b) => b.rule.name)).toEqual([
        'Deny-Under-Test',
      ]);
    });
  });

  describe('targetsStorageExplicitly', () => {
    it.each<[string, string[], string | undefined, boolean]>([
      ['Storage', ['Storage'], undefined, true],
      ['storage (lower case)', ['storage'], undefined, true],
      ['Storage.EastUS', ['Storage.EastUS'], undefined, true],
      ['storage.eastus, for eastus', ['storage.eastus'], 'eastus', true],
      ['Storage.WestEurope, any region', ['Storage.WestEurope'], undefined, true],
      ['Storage.WestEurope, for eastus', ['Storage.WestEurope'], 'eastus', false],
      ['Storage.WestEurope, for West Europe', ['Storage.WestEurope'], 'West Europe', true],
      ['Storage, for eastus', ['Storage'], 'eastus', true],
      ['Internet', ['Internet'], undefined, false],
      ['*', ['*'], undefined, false],
      ['AzureCloud.EastUS', ['AzureCloud.EastUS'], 'eastus', false],
      ['StorageSyncService', ['StorageSyncService'], undefined, false],
      ['a CIDR', ['20.38.0.0/16'], undefined, false],
    ])('%s → %s', (_title, destinationAddressPrefixes, location, expected) => {
      expect(targetsStorageExplicitly(aDeny({ destinationAddressPrefixes }), location)).toBe(expected);
    });
  });

  describe('highestFreeOutboundPriority', () => {
    const withOutbound = (...priorities: number[]) =>
      anNsg({ rules: priorities.map((priority) => aRule({ name: `r${priority}`, priority })) });

    it.each<[string, number[], number, number | undefined]>([
      ['an empty NSG, below 1000', [], 1000, 999],
      ['999 and 998 taken, below 1000', [999, 998], 1000, 997],
      ['a gap at 120 in 100-150, below 151', [...range(100, 150).filter((p) => p !== 120)], 151, 120],
      ['everything 100-199 taken, below 200', range(100, 199), 200, undefined],
      ['below 101', [], 101, 100],
      ['below 100', [], 100, undefined],
      ['below the default DenyAllOutBound 65500 (capped at 4096)', [], 65500, 4096],
      ['4096 taken, below 65500', [4096], 65500, 4095],
      ['below NaN', [], Number.NaN, undefined],
    ])('%s → %s', (_title, used, below, expected) => {
      expect(highestFreeOutboundPriority(withOutbound(...used), below)).toBe(expected);
    });

    it('inbound priorities do not count as used', () => {
      const nsg = anNsg({
        rules: [aRule({ name: 'Allow-RDP', direction: 'Inbound', priority: 999, destinationPortRanges: ['3389'] })],
      });
      expect(highestFreeOutboundPriority(nsg, 1000)).toBe(999);
    });

    it('an allow to Storage.<region> at the priority it picks below the blocking rules unblocks egress', () => {
      const nsg = anNsg({
        rules: [
          aDeny({ name: 'Deny-8443', priority: 500, destinationPortRanges: ['8443'] }),
          aDeny({ priority: 1000 }),
          aRule({ name: 'r499', priority: 499, protocol: 'Udp' }),
        ],
      });
      const blocks = blockedBackupEgress([nsg], aSource(), EASTUS, [443, 8443]);
      expect(blocks.map((b) => `${b.rule.name}:${b.port}`)).toEqual(['Deny-Under-Test:443', 'Deny-8443:8443']);
      const priority = highestFreeOutboundPriority(nsg, Math.min(...blocks.map((b) => b.rule.priority)));
      expect(priority).toBe(498);
      const fixed = anNsg({
        rules: [
          ...nsg.securityRules,
          aRule({
            name: 'AllowAzureBackupStorage-EastUS',
            priority: priority ?? 0,
            destinationAddressPrefixes: ['Storage.EastUS'],
            destinationPortRanges: ['443', '8443'],
          }),
        ],
      });
      expect(blockedBackupEgress([fixed], aSource(), EASTUS, [443, 8443])).toEqual([]);
    });
  });

  describe('helpers', () => {
    it.each<[string[], number, boolean]>([
      [['443'], 443, true],
      [['443'], 444, false],
      [['400-500'], 443, true],
      [['400 - 500'], 443, true],
      [['*'], 0, true],
      [['*'], 65535, true],
      [['80', '8443'], 8443, true],
      [['80,8443'], 443, false],
      [[' 80 , 443 '], 443, true],
      [['abc'], 443, false],
      [['443-abc'], 443, false],
      [['1-2-3'], 2, false],
      [['99999'], 443, false],
      [['0-70000'], 443, false],
      [[''], 0, false],
      [[], 443, false],
    ])('portRangesContain(%j, %i) is %s', (ranges, port, expected) => {
      expect(portRangesContain(ranges, port)).toBe(expected);
    });

    it.each<[string[], boolean]>([
      [['*'], true],
      [['0-65535'], true],
      [['1024-40000', '40001-65535'], true],
      [['1024-40000,40001-65535'], true],
      [['1000-1100', '1024-1200', '1100-65535'], true],
      [['1024-65534'], false],
      [['2000-65535'], false],
      [[], false],
    ])('portRangesCover(%j, 1024, 65535) is %s', (ranges, expected) => {
      expect(portRangesCover(ranges, 1024, 65535)).toBe(expected);
    });

    it.each<[string, string, boolean]>([
      ['10.0.1.4', '10.0.1.0/24', true],
      ['10.0.1.4', '10.0.0.0/16', true],
      ['10.0.1.4', '10.0.2.0/24', false],
      ['10.0.1.4', '10.0.1.4', true],
      ['10.0.1.4', '10.0.1.4/32', true],
      ['10.0.1.4', '10.0.1.5/32', false],
      ['10.0.1.4', '0.0.0.0/0', true],
      ['255.255.255.255', '0.0.0.0/0', true],
      ['255.255.255.255', '255.255.255.0/24', true],
      ['10.0.1.4', '10.0.1.7/30', true],
      ['10.0.1.4', '10.0.1.8/30', false],
      ['10.0.1.4', ' 10.0.1.0/24 ', true],
      ['10.0.1.4', '10.0.1.0/33', false],
      ['10.0.1.4', '10.0.1.0/', false],
      ['10.0.1.4', '10.0.1.0/x', false],
      ['10.0.1.4', '10.0.1.0/24/8', false],
      ['10.0.1.4', '10.0.1/24', false],
      ['10.0.1.4', '10.0.1.256/24', false],
      ['10.0.1.4', 'VirtualNetwork', false],
      ['10.0.1.4', '', false],
      ['10.0.1', '10.0.0.0/8', false],
      ['10.0.1.x', '10.0.0.0/8', false],
      ['10.0.1.999', '10.0.0.0/8', false],
      ['fd00::4', 'fd00::/8', false],
      ['abc', '0.0.0.0/0', false],
    ])('ipInCidr(%s, %s) is %s', (ip, cidr, expected) => {
      expect(ipInCidr(ip, cidr)).toBe(expected);
    });

    it.each<[string, string, boolean]>([
      ['Storage.EastUS', 'East US', true],
      ['Storage.EastUS', 'eastus2', false],
      ['AzureCloud.eastus2', 'eastus2', true],
      [' Internet ', 'eastus', true],
      ['10.0.0.0/8', 'eastus', false],
      ['.eastus', 'eastus', false],
      ['Sql.EastUS', 'eastus', false],
    ])('destinationCoversStorage(%s, %s) is %s', (prefix, location, expected) => {
      expect(destinationCoversStorage(prefix, location)).toBe(expected);
    });

    it('ruleMatchesBackupEgress matches the narrow backup allow rule and nothing inbound', () => {
      expect(ruleMatchesBackupEgress(aRule(), aSource(), EASTUS, 443)).toBe(true);
      expect(ruleMatchesBackupEgress(aRule({ direction: 'Inbound' }), aSource(), EASTUS, 443)).toBe(false);
      expect(ruleMatchesBackupEgress(aRule(), aSource(), 'westus', 443)).toBe(false);
    });
  });
});

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

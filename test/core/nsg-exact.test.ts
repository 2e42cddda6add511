/**
 * Exact evaluation of NSG prefixes against Storage.<region>'s published ranges. Each case cites what
 * Microsoft documents (docs/azure-facts.md §3 and §11): NSGs evaluate five-tuples, first match by priority;
 * a rule's prefixes are CIDRs or service tags; an IPv4 flow never matches an IPv6 prefix.
 */
import { describe, expect, it } from 'vitest';
import type { SecurityRule } from '../../src/core/model';
import { IntervalSet, ipv4SetOf, parsePrefix } from '../../src/core/network/addresses';
import { ServiceTagCatalogue, isServiceTagsDocument } from '../../src/core/network/serviceTags';
import { destinationAddresses, evaluateNsgSpace, storageTarget } from '../../src/core/nsg';
import { aDenyAllOutboundRule, aRule, aSource, anNsg } from '../fixtures/builders/nsg';
import { AZURECLOUD_EXCEPTIONS, STORAGE_EASTUS, aPublicCloud } from '../fixtures/builders/serviceTags';

const catalogue = ServiceTagCatalogue.fromBodies([aPublicCloud()]);
const exact = (location = 'eastus') => storageTarget(location, catalogue);
const byName = (location = 'eastus') => storageTarget(location, undefined);

function blockedShare(rules: SecurityRule[], port = 443, target = exact()): number {
  const v = evaluateNsgSpace(anNsg({ rules }), aSource(), target, port);
  return v.denying.filter((d) => !d.rule.isDefault).reduce((n, d) => n + d.share, 0);
}

const deny = (overrides: Partial<SecurityRule>): SecurityRule =>
  aDenyAllOutboundRule({ name: 'Deny-Under-Test', priority: 1000, ...overrides });

describe('addresses', () => {
  it.each([
    ['0.0.0.0/0', [0, 2 ** 32 - 1]],
    ['0.0.0.0/00', [0, 2 ** 32 - 1]], // a zero-padded length is still /0
    ['10.1.2.3/8', [167772160, 184549375]], // host bits are masked, as the platform normalises them
    ['52.239.152.7', [888117255, 888117255]], // a bare address is a /32
  ])('%s is the range %j', (text, range) => {
    const p = parsePrefix(text);
    expect(p.kind).toBe('ipv4');
    if (p.kind === 'ipv4') expect(p.range).toEqual(range);
  });

  it.each([
    ['2603:1030::/32', 'ipv6'],
    ['10.0.0.0/33', 'invalid'],
    ['010.0.0.1', 'invalid'],
    ['Storage.EastUS', 'name'],
  ])('%s is %s', (text, kind) => expect(parsePrefix(text).kind).toBe(kind));

  it('0.0.0.0/1 and 128.0.0.0/1 together are all of IPv4', () => {
    expect(ipv4SetOf(['0.0.0.0/1', '128.0.0.0/1']).equals(IntervalSet.ALL_IPV4)).toBe(true);
  });

  it('subtracts and intersects intervals exactly', () => {
    const a = ipv4SetOf(['10.0.0.0/24']);
    const b = ipv4SetOf(['10.0.0.128/25']);
    expect(a.subtract(b).size).toBe(128);
    expect(a.intersect(b).size).toBe(128);
    expect(a.covers(b)).toBe(true);
    expect(b.covers(a)).toBe(false);
  });
});

describe('service tag catalogue', () => {
  it('recognises the Discovery API shape and finds regional tags by their region property', () => {
    expect(isServiceTagsDocument(aPublicCloud())).toBe(true);
    expect(isServiceTagsDocument({ data: [] })).toBe(false);
    expect(catalogue.regional('Storage', 'East US')?.name).toBe('Storage.EastUS');
    expect(catalogue.regional('AzureCloud', 'germanywestcentral')?.name).toBe('AzureCloud.germanywc');
  });

  it('names the bad field of a malformed body', () => {
    expect(() => ServiceTagCatalogue.fromBodies([{ type: 'Microsoft.Network/serviceTags', values: [{}] }])).toThrow(
      /values\.0\.name/,
    );
  });
});

describe('nsg-blocks-backup-egress, exact addresses (table)', () => {
  const third = STORAGE_EASTUS[0] as string; // 20.38.98.0/24: 256 of Storage.EastUS's 2304 addresses
  const storageSize = ipv4SetOf(STORAGE_EASTUS).size;
  it.each<[string, Partial<SecurityRule>, number, string]>([
    [
      'deny 0.0.0.0/1 + 128.0.0.0/1 blocks everything',
      { destinationAddressPrefixes: ['0.0.0.0/1', '128.0.0.0/1'] },
      1,
      'the two halves are all of IPv4, so every Storage address matches',
    ],
    ['deny 0.0.0.0/00 blocks everything', { destinationAddressPrefixes: ['0.0.0.0/00'] }, 1, '/00 is prefix length 0'],
    [
      'deny to Storage.EastUS written as its CIDRs blocks everything',
      { destinationAddressPrefixes: [...STORAGE_EASTUS] },
      1,
      'firewall exports and Terraform modules write the tag as prefixes; the rule matches them all',
    ],
    [
      'deny to one of Storage.EastUS’s prefixes blocks that share',
      { destinationAddressPrefixes: [third] },
      256 / storageSize,
      'five-tuple evaluation: only flows to that /24 match the deny',
    ],
    [
      'deny to an IPv6 range blocks nothing',
      { destinationAddressPrefixes: ['2603:1030::/32'] },
      0,
      'an IPv4 flow never matches an IPv6 prefix',
    ],
    [
      'deny to a private range blocks nothing',
      { destinationAddressPrefixes: ['10.0.0.0/8'] },
      0,
      'Storage’s public ranges are outside RFC 1918',
    ],
    [
      'deny to AzureCloud.EastUS (a supernet) blocks everything',
      { destinationAddressPrefixes: ['AzureCloud.EastUS'] },
      1,
      'the tag’s published prefixes contain every Storage.EastUS range',
    ],
    [
      'deny with source ports 1024-40000 blocks part of the flows',
      { sourcePortRanges: ['1024-40000'] },
      (40000 - 1024 + 1) / (65535 - 1024 + 1),
      'the client port is ephemeral (1024–65535); flows from other source ports pass',
    ],
    [
      'deny with split source ports 1024-40000 + 40001-65535 blocks everything',
      { sourcePortRanges: ['1024-40000', '40001-65535'] },
      1,
      'the union covers every ephemeral port',
    ],
    [
      'deny with comma-separated source ports "1024-30000,30001-65535" blocks everything',
      { sourcePortRanges: ['1024-30000,30001-65535'] },
      1,
      'a comma-separated list is several ranges',
    ],
    [
      'deny on source ports 0-1023 blocks nothing',
      { sourcePortRanges: ['0-1023'] },
      0,
      'no ephemeral source port is in range',
    ],
  ])('%s', (_title, overrides, share, _why) => {
    expect(blockedShare([deny(overrides)])).toBeCloseTo(share, 9);
  });

  it('a partial allow above a full deny leaves the rest blocked', () => {
    const rules = [
      aRule({ priority: 100, destinationAddressPrefixes: [third] }),
      deny({ destinationAddressPrefixes: ['*'] }),
    ];
    expect(blockedShare(rules)).toBeCloseTo(1 - 256 / storageSize, 9);
  });

  it('the narrow allow rule above any deny allows everything', () => {
    expect(blockedShare([aRule({ priority: 100, destinationPortRanges: ['443', '8443'] }), deny({})], 8443)).toBe(0);
  });

  it('with tag-name reading, a deny to one CIDR is not judged (Storage ranges unknown), all-of-IPv4 is', () => {
    expect(blockedShare([deny({ destinationAddressPrefixes: [third] })], 443, byName())).toBe(0);
    expect(blockedShare([deny({ destinationAddressPrefixes: ['0.0.0.0/1', '128.0.0.0/1'] })], 443, byName())).toBe(1);
  });
});

describe('regional AzureCloud names that do not follow AzureCloud.<location> (Microsoft’s list)', () => {
  it.each(AZURECLOUD_EXCEPTIONS)('a deny to %s blocks a %s VM, exactly and by name', (tag, location) => {
    const rules = [deny({ destinationAddressPrefixes: [tag] })];
    expect(blockedShare(rules, 443, exact(location))).toBe(1);
    expect(blockedShare(rules, 443, byName(location))).toBe(1);
    // and does not block a VM elsewhere
    expect(blockedShare(rules, 443, exact('eastus'))).toBe(0);
    expect(blockedShare(rules, 443, byName('eastus'))).toBe(0);
  });

  it('the catalogue resolves a tag by name, whatever its case', () => {
    expect(destinationAddresses(['azurecloud.GERMANYWC'], exact('germanywestcentral')).isEmpty).toBe(false);
  });
});

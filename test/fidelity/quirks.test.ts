/**
 * The project's quirk fixtures (test/fixtures/azure-quirks/rows.json) stand for what live Azure returns: each quirk
 * they carry occurs in the responses recorded from live Azure, so `npm test` tests against the truth.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RECORDINGS } from '../support/shared';

type Body = Record<string, unknown>;

/** Every resource body in a recording (cassette interactions or PowerShell session entries; list values spread). */
function bodies(file: string): Body[] {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as Body;
  const out: Body[] = [];
  const push = (b: unknown): void => {
    if (!b || typeof b !== 'object') return;
    const v = (b as Body)['value'];
    if (Array.isArray(v)) out.push(...(v as Body[]));
    else out.push(b as Body);
  };
  for (const i of (doc['interactions'] as { response: { body?: { data?: unknown } } }[] | undefined) ?? [])
    push(i.response.body?.data);
  for (const e of (doc['Entries'] as { ResponseBody?: unknown }[] | undefined) ?? []) {
    // Some session records hold bodies that are not JSON (HTML error pages, truncated text): skip those.
    if (typeof e.ResponseBody !== 'string') continue;
    try {
      push(JSON.parse(e.ResponseBody));
    } catch {
      /* not a JSON body */
    }
  }
  return out;
}

const recorded: Body[] = [
  'cloud-custodian/NetworkSecurityGroupTest.test_cidr_only_match.json',
  'cloud-custodian/NetworkSecurityGroupTest.test_flow_analytics_logging.json',
  'cloud-custodian/NetworkTest.test_vnet_query.json',
  'cloud-custodian/VMTest.test_vm_backup_status_protected.json',
  'cloud-custodian/RecoveryServicesTest.test_find_by_name.json',
  'azure-powershell/TestGetItemScenario.json',
].flatMap((f) => bodies(join(RECORDINGS, f)));
const fixture = (
  JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'azure-quirks', 'rows.json'), 'utf8')) as { data: Body[] }
).data;

const props = (b: Body): Body => (b['properties'] ?? {}) as Body;
const ofType = (rows: Body[], type: string): Body[] =>
  rows.filter((b) => String(b['type']).toLowerCase() === type.toLowerCase());
const rulesOf = (rows: Body[]): Body[] =>
  ofType(rows, 'microsoft.network/networksecuritygroups').flatMap((n) =>
    ((props(n)['securityRules'] ?? []) as Body[]).map(props),
  );
const items = (rows: Body[]): Body[] =>
  ofType(rows, 'microsoft.recoveryservices/vaults/backupfabrics/protectioncontainers/protecteditems').map(
    (b) => ({ ...props(b), id: b['id'] }) as Body,
  );

/** A quirk: a predicate that holds for some fixture row and for some recorded body. */
const quirks: [string, (rows: Body[]) => boolean][] = [
  ['a security rule with protocol "TCP"', (rows) => rulesOf(rows).some((r) => r['protocol'] === 'TCP')],
  ['a security rule with access "deny"', (rows) => rulesOf(rows).some((r) => r['access'] === 'deny')],
  [
    'a singular destinationPortRange beside an empty destinationPortRanges',
    (rows) =>
      rulesOf(rows).some(
        (r) => typeof r['destinationPortRange'] === 'string' && (r['destinationPortRanges'] as unknown[]).length === 0,
      ),
  ],
  [
    'an NSG with neither networkInterfaces nor subnets',
    (rows) =>
      ofType(rows, 'microsoft.network/networksecuritygroups').some(
        (n) => !('networkInterfaces' in props(n)) && !('subnets' in props(n)),
      ),
  ],
  [
    'a protected item id starting "/Subscriptions/"',
    (rows) => items(rows).some((i) => String(i['id']).startsWith('/Subscriptions/')),
  ],
  [
    'a protected item naming its VM by virtualMachineId only',
    (rows) => items(rows).some((i) => 'virtualMachineId' in i && !('sourceResourceId' in i)),
  ],
  [
    'a protected item with protectionState "Protected" and no currentProtectionState',
    (rows) => items(rows).some((i) => i['protectionState'] === 'Protected' && !('currentProtectionState' in i)),
  ],
  [
    'a protected item of a classic VM',
    (rows) => items(rows).some((i) => i['protectedItemType'] === 'Microsoft.ClassicCompute/virtualMachines'),
  ],
];

describe('the quirk fixtures match live Azure', () => {
  it.each(quirks)('%s occurs in the fixture and in the recordings', (_name, holds) => {
    expect(holds(fixture)).toBe(true);
    expect(holds(recorded)).toBe(true);
  });
});

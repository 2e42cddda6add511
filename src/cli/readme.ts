/**
 * The README's generated sections: the configuration table from the settings schema, the rule catalogue from
 * the rule registry, and the permissions --apply needs from the action registry. `npm run readme` rewrites
 * them between their markers; a test fails when the README is not current.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { SETTINGS } from '../config';
import { ACTIONS } from '../core/actions';
import { RULES } from '../core/rules';

/** What each setting means, for people; a test requires one line per setting of the schema. */
export const SETTING_MEANINGS: Record<keyof typeof SETTINGS, string> = {
  mode: '`report` or `remediate` (the Function App changes anything only in `remediate`)',
  subscriptions: 'comma-separated subscription ids to sweep; empty: every subscription the identity can read',
  managementGroups: 'comma-separated management group ids to sweep',
  exemptTag: 'the exemption tag: `true` or empty exempts for good, `YYYY-MM-DD` until the end of that day (UTC)',
  vaultTag: 'the tag on a VM that names its designated vault',
  vaultResourceGroup: 'where new vaults go, and the preferred place to find one',
  vaultNameTemplate: 'name of new vaults; `{location}` and `{subscriptionId}` are replaced',
  storageRedundancy: 'redundancy of new vaults, and the expected one of existing vaults',
  policyName: 'backup policy in the chosen vault',
  includePort80: 'also require port 80 (unmanaged disks on unencrypted storage)',
  overrideExplicitStorageDeny: 'plan an allow rule even above a deny that explicitly targets Storage',
  initialBackup: 'trigger a first backup after enabling protection',
  initialBackupRetentionDays: 'retention of that first recovery point, in days',
  maxActions: 'the blast-radius cap: at most this many actions per run',
  minWindowsAgentVersion: 'oldest acceptable Windows guest agent',
  enhancedPolicyName:
    'Enhanced (V2) backup policy for VMs that need one (Premium SSD v2, Ultra disks, Confidential VMs); created in the vault when missing',
  backupGraceHours:
    'hours a recovery point may be late beyond its policy\u2019s schedule before the backup counts as failing',
  vaultSubscription:
    'central backup subscription: every VM is protected in its region\u2019s vault there (Cross Subscription Backup); empty: the VM\u2019s own subscription',
  vaultPublicNetworkAccess: '`publicNetworkAccess` of the vaults backup-warden creates',
  armEndpoint: 'the ARM endpoint (the emulator prints its own)',
  caCertPath: 'a PEM certificate (or bundle) to trust besides the system roots, e.g. the emulator\u2019s',
  armToken: 'a static bearer token (the emulator\u2019s); otherwise `DefaultAzureCredential`',
  managedIdentityClientId: 'client id of a user-assigned managed identity',
  writeConcurrency: 'concurrent ARM writes per subscription',
  requestTimeoutSeconds:
    'an ARM or Resource Graph request with no answer in this time is aborted and retried as a transient failure',
  operationDeadlineSeconds:
    'a long-running operation (vault, rule, protection) still running after this is given up and read back; the next sweep picks it up',
  runBudgetSeconds:
    'an apply starts no new action after this long, so a run ends inside the Functions timeout (host.json `functionTimeout`, 30 min)',
  sweepSchedule: 'NCRONTAB schedule of the `sweepTimer` function, in UTC (six fields, seconds first)',
  eventDebounceSeconds: 'the event path evaluates a VM (or NSG) at most once per this many seconds',
  eventDedupeHours: 'how long event ids are remembered (Event Grid retries for up to 24 h)',
};

function cell(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

function defaultText(v: unknown): string {
  if (v === '' || (Array.isArray(v) && v.length === 0)) return '(none)';
  return `\`${String(v)}\``;
}

function allowedText(schema: unknown): string {
  const options = (schema as { options?: unknown }).options;
  if (Array.isArray(options) && options.every((o) => typeof o === 'string'))
    return options.map((o) => `\`${o}\``).join(', ');
  return '';
}

/** The configuration table, one row per setting of the schema. */
export function configTable(): string {
  const rows = (Object.keys(SETTINGS) as (keyof typeof SETTINGS)[]).map((k) => {
    const s = SETTINGS[k];
    const allowed = allowedText(s.schema);
    return `| \`${k}\` | \`${s.env}\` | ${defaultText(s.default)} | ${cell(SETTING_MEANINGS[k])}${allowed ? ` (one of ${allowed})` : ''} |`;
  });
  return ['| key | variable | default | meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The rule catalogue, in registry order, with the action kinds that fix each rule. */
export function ruleCatalogue(): string {
  const fixes = (id: string): string[] =>
    Object.values(ACTIONS)
      .filter((a) => (a.resolves as readonly string[]).includes(id))
      .map((a) => `\`${a.kind}\``);
  const rows = RULES.map((r) => {
    const f = fixes(r.id);
    return `| \`${r.id}\` | ${r.severity} | ${r.subject} | ${cell(r.description)} | ${f.length ? f.join(', ') : 'report only'} |`;
  });
  return ['| rule | severity | subject | compliant when | fixed by |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The ARM operations `--apply` performs, by action kind (the custom role in infra/ grants exactly these). */
export function permissionsTable(): string {
  const rows = Object.values(ACTIONS).flatMap((a) =>
    a.permissions.map((p) => `| \`${a.kind}\` | \`${p.operation}\` | ${cell(p.usedBy)} |`),
  );
  return ['| action | ARM operation | used by |', '|---|---|---|', ...rows].join('\n');
}

const SECTIONS: Record<string, () => string> = {
  config: configTable,
  rules: ruleCatalogue,
  permissions: permissionsTable,
};

/** The README with every generated section replaced by its current content; throws when a marker is missing. */
export function updateReadme(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const begin = `<!-- generated:${name} (npm run readme) -->`;
    const end = `<!-- /generated:${name} -->`;
    const a = out.indexOf(begin);
    const b = out.indexOf(end);
    if (a < 0 || b < a) throw new Error(`README.md: the markers ${begin} … ${end} are missing`);
    out = `${out.slice(0, a + begin.length)}\n${render()}\n${out.slice(b)}`;
  }
  return out;
}

/** `npm run readme`: rewrites README.md's generated sections in place. */
export function writeReadme(path = 'README.md'): void {
  writeFileSync(path, updateReadme(readFileSync(path, 'utf8')));
}

if (require.main === module) writeReadme();

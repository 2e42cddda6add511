/** The `warden` command's help: one spec per verb, with options and examples, rendered for `--help`. */

/** One option of a verb, as its help lists it. */
export interface OptionHelp {
  flag: string;
  text: string;
}

/** One verb's help. */
export interface CommandHelp {
  name: string;
  summary: string;
  usage: string;
  options: OptionHelp[];
  examples: string[];
}

/** The exit codes every verb keeps. */
export const EXIT_CODES_HELP = `exit codes:
  0  compliant: no open finding, no failed action (after --apply: in the verifying sweep)
  1  findings are open, an action failed, or an event failed
  2  bad usage or bad input (unknown option, unreadable file, invalid config, bad KQL)
  3  the run itself failed (Azure unreachable, not signed in, permission denied)
  4  the coverage is incomplete: a requested scope could not be read, a row was rejected or a kind of data is
     missing, so the report cannot say the estate is compliant`;

const FORMAT = {
  flag: '--format FORMAT',
  text: 'table (default), json, markdown, csv (one row per finding) or html (one self-contained file; use --out)',
};
const OUT = { flag: '--out FILE', text: 'write the report to FILE instead of stdout' };
const CONFIG = { flag: '--config FILE', text: 'settings as JSON (camelCase keys); WARDEN_* variables override them' };
const SCOPE = [
  { flag: '--subscription ID', text: 'a subscription to sweep (repeatable); default: WARDEN_SUBSCRIPTIONS, else all' },
  { flag: '--management-group ID', text: 'a management group to sweep (repeatable)' },
];

/** Every verb's help, in the order the global help lists them. */
export const COMMANDS: readonly CommandHelp[] = [
  {
    name: 'plan',
    summary: 'evaluate exported Resource Graph rows offline and print the findings and the planned actions',
    usage: 'warden plan --snapshot FILE [--snapshot FILE ...] [options]',
    options: [
      { flag: '--snapshot FILE', text: 'rows from `az graph query -o json` (or {"data": [...]}); repeatable, merged' },
      CONFIG,
      FORMAT,
      OUT,
    ],
    examples: [
      'warden plan --snapshot samples/sample-estate.json',
      'warden plan --snapshot samples/sample-estate.json --format html --out report.html',
      'warden plan --snapshot prod.json --snapshot dev.json --format csv > findings.csv',
    ],
  },
  {
    name: 'sweep',
    summary: 'query Resource Graph, evaluate and plan; with --apply, execute the plan and verify with a second sweep',
    usage: 'warden sweep [--subscription ID ...] [--management-group ID ...] [--apply] [options]',
    options: [
      ...SCOPE,
      { flag: '--apply', text: 'execute the plan (capped by maxActions), then sweep again and report before → after' },
      { flag: '--ledger', text: 'record findings and results in the findings ledger of AzureWebJobsStorage' },
      CONFIG,
      FORMAT,
      OUT,
    ],
    examples: [
      'az login && warden sweep --subscription 00000000-0000-0000-0000-000000000000',
      'warden sweep --management-group mg-platform --format markdown > weekly-review.md',
      'warden sweep --apply --format html --out after.html',
    ],
  },
  {
    name: 'explain',
    summary: 'everything known about one VM: protection, network path rule by rule, exemptions, what would be done',
    usage: 'warden explain VM (--snapshot FILE ... | [--subscription ID ...]) [options]',
    options: [
      { flag: 'VM', text: 'a VM resource id, resourceGroup/name, or a name (unique in scope)' },
      { flag: '--snapshot FILE', text: 'explain from exported rows (offline); without it, from Resource Graph' },
      ...SCOPE,
      CONFIG,
      { flag: '--format FORMAT', text: 'text (default) or json' },
    ],
    examples: [
      'warden explain vm-app-03 --snapshot samples/sample-estate.json',
      'warden explain /subscriptions/…/resourceGroups/rg-app/providers/Microsoft.Compute/virtualMachines/vm-app-03',
      'warden explain rg-app/vm-app-03 --subscription 00000000-0000-0000-0000-000000000000',
    ],
  },
  {
    name: 'query',
    summary: 'run any KQL through the Resource Graph adapter (paging, quota pacing) and print the rows as JSON',
    usage: 'warden query (FILE | --kql TEXT) [--subscription ID ...] [--management-group ID ...] [--config FILE]',
    options: [{ flag: '--kql TEXT', text: 'the query text (or give a .kql FILE)' }, ...SCOPE, CONFIG],
    examples: [
      'warden query src/queries/virtual-machines.kql --subscription 00000000-0000-0000-0000-000000000000',
      'warden query --kql "Resources | summarize count() by type"',
    ],
  },
  {
    name: 'emulator',
    summary: 'start the local Azure emulator; prints one JSON line with its endpoint and environment',
    usage: 'warden emulator --estate FILE [--estate FILE ...] [--port N] [--faults SPEC] [--seed N]',
    options: [
      { flag: '--estate FILE', text: 'Resource Graph rows to serve (repeatable)' },
      { flag: '--port N', text: '0-65535; 0 (default) picks a free port' },
      { flag: '--faults SPEC', text: 'faults to inject, e.g. 429=0.2,500=0.05,latency=50' },
      { flag: '--seed N', text: 'seed for the fault dice' },
    ],
    examples: ['warden emulator --estate samples/sample-estate.json --port 8443'],
  },
  {
    name: 'demo',
    summary: 'start the emulator with the sample estate, sweep, apply, and verify: the whole job in one command',
    usage: 'warden demo [--format table|markdown|html] [--out FILE]',
    options: [FORMAT, OUT],
    examples: ['warden demo', 'warden demo --format html --out demo.html'],
  },
  {
    name: 'replay-events',
    summary:
      'feed an array of Event Grid or CloudEvents events (a dead-letter blob, say) through the vmWritten handler',
    usage: 'warden replay-events FILE [--config FILE] [--format table|json]',
    options: [CONFIG, { flag: '--format FORMAT', text: 'table (default) or json' }],
    examples: ['warden replay-events deadletter.json', 'warden replay-events events.json --format json'],
  },
  {
    name: 'findings',
    summary: 'list the findings ledger (the findings table of AzureWebJobsStorage)',
    usage: 'warden findings [--status STATUS] [--format table|json|csv|markdown]',
    options: [
      { flag: '--status STATUS', text: 'open, exempt, remediating, remediated, failed or resolved' },
      { flag: '--format FORMAT', text: 'table (default), json, csv or markdown' },
      CONFIG,
    ],
    examples: ['warden findings --status open', 'warden findings --format csv > ledger.csv'],
  },
];

const GLOBAL = `global options:
  -h, --help       help for warden or for one command (warden sweep --help)
  -V, --version    print the version
  --no-color       no colour (also NO_COLOR=1; colour is only ever used on a terminal)
  --debug          print stack traces of failures`;

/** The global help: every verb with its one-line summary. */
export function globalHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'warden: finds and fixes Azure VM backup compliance drift',
    '',
    'usage: warden <command> [options]',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    GLOBAL,
    '',
    EXIT_CODES_HELP,
    '',
    'Run `warden <command> --help` for its options and examples.',
  ].join('\n');
}

/** One verb's help: usage, options, examples, exit codes. */
export function commandHelp(name: string): string {
  const c = COMMANDS.find((x) => x.name === name);
  if (!c) return globalHelp();
  const width = Math.max(...c.options.map((o) => o.flag.length), 14);
  return [
    `warden ${c.name}: ${c.summary}`,
    '',
    `usage: ${c.usage}`,
    '',
    'options:',
    ...c.options.map((o) => `  ${o.flag.padEnd(width)}  ${o.text}`),
    '',
    'examples:',
    ...c.examples.map((e) => `  ${e}`),
    '',
    GLOBAL,
    '',
    EXIT_CODES_HELP,
  ].join('\n');
}

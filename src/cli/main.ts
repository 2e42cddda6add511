/**
 * The `warden` command. Each subcommand parses its arguments, calls one use case through composition.ts,
 * and maps the result to an exit code: 0 nothing open, 1 findings open or an action failed, 2 bad input.
 */
import { writeFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { sweep } from '../app/sweep';
import { exitCodeOf, type Report } from '../core/report';
import { ConfigError, engineConfigOf, loadConfig, type AppConfig } from '../config';
import {
  cliTelemetry,
  describeError,
  eventServices,
  hasStorageLedger,
  isInputError,
  ledgerFor,
  liveServices,
  snapshotInventory,
  systemClock,
} from '../composition';
import { onResourceWritten, type EventResult } from '../app/onResourceWritten';
import { TransientFailureError } from '../app/transient';
import type { LedgerEntry, LedgerStatus } from '../ports';
import { renderReport, shortId, table } from './format';

/** Exit codes of every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2, failed: 3 } as const;

/** A usage or input problem: exit code 2 with a message that names it. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const USAGE = `usage: warden <command> [options]

commands:
  plan --snapshot FILE [--snapshot FILE2 ...] [--config FILE] [--format table|json] [--out FILE]
      evaluate an exported Resource Graph snapshot and print findings and the planned actions
  sweep [--subscription ID ...] [--management-group ID ...] [--apply] [--config FILE] [--format table|json] [--out FILE]
      query Resource Graph, evaluate and plan; with --apply, execute the plan and report each result
  query FILE | --kql TEXT [--subscription ID ...] [--management-group ID ...]
      run any KQL through the Resource Graph adapter (paging, pacing) and print the rows as JSON
  emulator --estate FILE [--estate FILE2 ...] [--port 0] [--faults SPEC] [--seed N]
      start the local Azure emulator; prints one JSON line with its endpoint and environment
  demo
      start the emulator with the sample estate, sweep, apply, and sweep again
  replay-events FILE [--config FILE] [--format table|json]
      feed an array of Event Grid or CloudEvents events (a dead-letter blob, say) through the vmWritten handler
  findings [--status open|exempt|remediating|remediated|failed|resolved] [--format table|json|csv]
      list the findings ledger (the findings table of AzureWebJobsStorage)

exit codes: 0 no open finding, 1 open findings or a failed action, 2 bad input or usage, 3 the run itself failed`;

type Out = { stdout: (s: string) => void; stderr: (s: string) => void };
const defaultOut: Out = { stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) };

function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

function formatOf(value: unknown): 'table' | 'json' {
  if (value === undefined || value === 'table') return 'table';
  if (value === 'json') return 'json';
  throw new UsageError(`--format: expected table or json, got '${String(value)}'`);
}

async function emit(text: string, outFile: string | undefined, out: Out): Promise<void> {
  if (outFile) {
    await writeFile(outFile, text.endsWith('\n') ? text : `${text}\n`);
    out.stderr(`wrote ${outFile}\n`);
  } else {
    out.stdout(text.endsWith('\n') ? text : `${text}\n`);
  }
}

/** Prints a report in the requested format and returns its exit code. */
async function emitReport(
  report: Report,
  format: 'table' | 'json',
  outFile: string | undefined,
  out: Out,
  title: string,
): Promise<number> {
  await emit(format === 'json' ? JSON.stringify(report, null, 2) : renderReport(report, title), outFile, out);
  return exitCodeOf(report);
}

function configFor(file: string | undefined, overrides: Partial<AppConfig> = {}): AppConfig {
  return loadConfig({ ...(file ? { file } : {}), overrides });
}

async function planCommand(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, {
    snapshot: { type: 'string', multiple: true },
    config: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values.snapshot?.length) throw new UsageError('plan: --snapshot FILE is required');
  const format = formatOf(values.format);
  const config = configFor(values.config);
  const report = await sweep({
    inventory: snapshotInventory(values.snapshot),
    clock: systemClock,
    config: engineConfigOf(config),
  });
  return emitReport(report, format, values.out, out, 'warden plan');
}

async function sweepCommand(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, {
    subscription: { type: 'string', multiple: true },
    'management-group': { type: 'string', multiple: true },
    apply: { type: 'boolean' },
    config: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  const format = formatOf(values.format);
  const config = configFor(values.config);
  const scope = {
    subscriptions: values.subscription ?? config.subscriptions,
    managementGroups: values['management-group'] ?? config.managementGroups,
  };
  const services = await liveServices(config, (line) => out.stderr(`${line}\n`));
  const report = await sweep(
    {
      inventory: services.inventory,
      remediator: services.remediator,
      clock: systemClock,
      config: engineConfigOf(config),
    },
    {
      scope,
      apply: values.apply === true,
      onProgress: (action, result, i) =>
        out.stderr(
          `  [${i + 1}] ${action.kind} ${action.target.split('/').pop() ?? ''}: ${result.status}${result.error ? ` ${result.error.code}` : ''}\n`,
        ),
    },
  );
  return emitReport(report, format, values.out, out, values.apply ? 'warden sweep --apply' : 'warden sweep');
}

async function queryCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(
    args,
    {
      kql: { type: 'string' },
      subscription: { type: 'string', multiple: true },
      'management-group': { type: 'string', multiple: true },
      config: { type: 'string' },
    },
    true,
  );
  if (positionals.length > 1) throw new UsageError('query: give one FILE or --kql TEXT');
  if (positionals.length === 1 && values.kql) throw new UsageError('query: give a FILE or --kql TEXT, not both');
  let kql = values.kql;
  if (positionals[0]) {
    const { readFile } = await import('node:fs/promises');
    try {
      kql = await readFile(positionals[0], 'utf8');
    } catch (e) {
      throw new UsageError(
        `${positionals[0]}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  if (!kql?.trim()) throw new UsageError('query: a KQL FILE or --kql TEXT is required');
  const config = configFor(values.config);
  const services = await liveServices(config, (line) => out.stderr(`${line}\n`));
  const rows = await services.runQuery(kql, {
    subscriptions: values.subscription ?? config.subscriptions,
    managementGroups: values['management-group'] ?? config.managementGroups,
  });
  out.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  return EXIT.ok;
}

async function emulatorCommand(args: string[], _out: Out): Promise<number> {
  const { values } = parse(args, {
    estate: { type: 'string', multiple: true },
    port: { type: 'string' },
    faults: { type: 'string' },
    seed: { type: 'string' },
  });
  if (!values.estate?.length) throw new UsageError('emulator: --estate FILE is required');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: expected 0-65535, got '${values.port}'`);
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`--seed: expected an integer, got '${values.seed}'`);
  // Loaded lazily: the emulator and the Kusto parser stay out of the app's import graph.
  const { runEmulatorCommand } = await import('@backup-warden/emulator/cli');
  await runEmulatorCommand(
    {
      estateFiles: values.estate,
      port,
      ...(values.faults ? { faults: values.faults } : {}),
      ...(seed !== undefined ? { seed } : {}),
    },
    process.stdout,
  );
  return EXIT.ok;
}

async function replayEventsCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parse(args, { config: { type: 'string' }, format: { type: 'string' } }, true);
  const format = formatOf(values.format);
  if (positionals.length !== 1 || !positionals[0])
    throw new UsageError('replay-events: give one FILE holding an array of events');
  const file = positionals[0];
  const { readFile } = await import('node:fs/promises');
  let events: unknown;
  try {
    events = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'cannot read: ENOENT' : `not JSON: ${(e as Error).message}`}`,
    );
  }
  const list = Array.isArray(events) ? events : [events];
  const config = configFor(values.config);
  const ledger = ledgerFor(config);
  if (!hasStorageLedger())
    out.stderr('no AzureWebJobsStorage: the ledger (dedupe keys included) is kept in memory for this run\n');
  const telemetry = cliTelemetry();
  const deps = eventServices(config, ledger, telemetry, (line) => out.stderr(`${line}\n`));
  const results: EventResult[] = [];
  for (const event of list) {
    try {
      results.push(await onResourceWritten(deps, event));
    } catch (e) {
      const id =
        typeof event === 'object' && event !== null && typeof (event as { id?: unknown }).id === 'string'
          ? (event as { id: string }).id
          : '';
      results.push({
        eventId: id,
        outcome: 'failed',
        detail: `${e instanceof TransientFailureError ? 'transient, Event Grid would retry: ' : ''}${describeError(e)}`,
      });
    }
  }
  await telemetry.flush();
  if (format === 'json') out.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else
    out.stdout(
      `${table(
        ['EVENT', 'OUTCOME', 'DETAIL'],
        results.map((r) => [r.eventId, r.outcome, r.detail]),
        110,
      )}\n`,
    );
  return results.some((r) => r.outcome === 'failed') ? EXIT.findings : EXIT.ok;
}

const LEDGER_STATUSES: LedgerStatus[] = ['open', 'exempt', 'remediating', 'remediated', 'failed', 'resolved'];

function csvCell(value: unknown): string {
  const s = value === undefined || value === null ? '' : String(value);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

async function findingsCommand(args: string[], out: Out): Promise<number> {
  const { values } = parse(args, {
    status: { type: 'string' },
    format: { type: 'string' },
    config: { type: 'string' },
  });
  const status = values.status as LedgerStatus | undefined;
  if (status !== undefined && !LEDGER_STATUSES.includes(status))
    throw new UsageError(`--status: expected one of ${LEDGER_STATUSES.join(', ')}, got '${status}'`);
  const format = values.format ?? 'table';
  if (!['table', 'json', 'csv'].includes(format))
    throw new UsageError(`--format: expected table, json or csv, got '${format}'`);
  const config = configFor(values.config);
  if (!hasStorageLedger())
    out.stderr('no AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is set: there is no ledger to list\n');
  const entries: LedgerEntry[] = await ledgerFor(config).list(status ? { status } : {});
  if (format === 'json') {
    out.stdout(`${JSON.stringify(entries, null, 2)}\n`);
  } else if (format === 'csv') {
    const cols = [
      'ruleId',
      'resourceId',
      'severity',
      'status',
      'subscriptionId',
      'location',
      'firstSeen',
      'lastSeen',
      'resolvedAt',
      'attempts',
      'lastActionKind',
      'lastActionStatus',
      'lastActionErrorCode',
      'message',
    ] as const;
    const lines = [cols.join(',')];
    for (const e of entries) {
      const row: Partial<Record<(typeof cols)[number], unknown>> = {
        ...e,
        lastActionKind: e.lastAction?.kind,
        lastActionStatus: e.lastAction?.status,
        lastActionErrorCode: e.lastAction?.errorCode,
      };
      lines.push(cols.map((c) => csvCell(row[c])).join(','));
    }
    out.stdout(`${lines.join('\n')}\n`);
  } else {
    out.stdout(
      `${table(
        ['STATUS', 'SEVERITY', 'RULE', 'RESOURCE', 'FIRST SEEN', 'LAST SEEN', 'LAST ACTION'],
        entries.map((e) => [
          e.status,
          e.severity,
          e.ruleId,
          shortId(e.resourceId),
          e.firstSeen.slice(0, 16),
          e.lastSeen.slice(0, 16),
          e.lastAction
            ? `${e.lastAction.kind} ${e.lastAction.status}${e.lastAction.errorCode ? ` ${e.lastAction.errorCode}` : ''}`
            : '',
        ]),
        80,
      )}\n${entries.length} finding(s)\n`,
    );
  }
  return EXIT.ok;
}

async function demoCommand(args: string[], out: Out): Promise<number> {
  parse(args, {});
  const { runDemo } = await import('./demo.js');
  return runDemo(out);
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], out: Out = defaultOut): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'plan':
        return await planCommand(rest, out);
      case 'sweep':
        return await sweepCommand(rest, out);
      case 'query':
        return await queryCommand(rest, out);
      case 'emulator':
        return await emulatorCommand(rest, out);
      case 'demo':
        return await demoCommand(rest, out);
      case 'replay-events':
        return await replayEventsCommand(rest, out);
      case 'findings':
        return await findingsCommand(rest, out);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        out.stdout(`${USAGE}\n`);
        return command === undefined ? EXIT.usage : EXIT.ok;
      default:
        throw new UsageError(`unknown command '${command}'`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      out.stderr(`warden: ${e.message}\n\n${USAGE}\n`);
      return EXIT.usage;
    }
    if (e instanceof ConfigError || isInputError(e)) {
      out.stderr(`warden: ${(e as Error).message}\n`);
      return EXIT.usage;
    }
    out.stderr(`warden: ${describeError(e)}\n`);
    return EXIT.failed;
  }
}

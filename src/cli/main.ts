/**
 * The `warden` command. Each verb parses its arguments, calls one use case through composition.ts, renders
 * the result and maps it to an exit code: 0 compliant, 1 findings open or an action/event failed, 2 bad usage
 * or input, 3 the run itself failed, 4 the coverage is incomplete. Reports go to stdout (or --out); progress and errors go to stderr.
 */
import { randomUUID } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { access, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { finalState, review, type Assessment, type Review } from '../app/review';
import { exitCodeOf } from '../core/report';
import { findVms } from '../core/explain';
import { trendOf } from '../core/score';
import { ConfigError, engineConfigOf, loadConfig, terminalEnv, type AppConfig } from '../config';
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
import { cappedPerRun } from '../app/runCap';
import type { Action } from '../core/model';
import type { ActionResult, InventorySource, Ledger, LedgerEntry, LedgerStatus, ProgressListener } from '../ports';
import { commandHelp, COMMANDS, globalHelp } from './help';
import { failureLine, inputErrorLine } from './errors';
import { fitTable, paint, shortId, type Paint, type ReportView, type TrendPoint } from './render/common';
import { renderBeforeAfter, renderText } from './render/text';
import { mdCell, renderMarkdown } from './render/markdown';
import { csvLines, renderCsv } from './render/csv';
import { renderHtml } from './render/html';
import { explanationOf, renderExplanation } from './render/explain';

/** Exit codes of every command. */
export const EXIT = { ok: 0, findings: 1, usage: 2, failed: 3, incomplete: 4 } as const;

/** The version `warden --version` prints. */
export const VERSION = '0.1.0';

/** A usage or input problem: exit code 2 with a message that names it. */
export class UsageError extends Error {
  override name = 'UsageError';
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Where the CLI writes, and what it knows about the terminal. */
export interface Out {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** True when stdout is a terminal (colour and width apply only then). */
  isTTY?: boolean;
  /** The terminal's width in columns. */
  columns?: number;
  /** Environment for NO_COLOR / FORCE_COLOR (default: the process's). */
  env?: Record<string, string | undefined>;
}

const defaultOut = (): Out => ({
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  isTTY: process.stdout.isTTY === true,
  ...(process.stdout.columns ? { columns: process.stdout.columns } : {}),
});

/** The global flags, which may appear anywhere on the line. */
interface Globals {
  color: boolean;
  debug: boolean;
}

/** Everything a verb needs besides its arguments. */
interface Ctx {
  out: Out;
  paint: Paint;
  /** Colours for stderr (progress, errors). */
  errPaint: Paint;
  width: number;
  globals: Globals;
  /** The ARM endpoint of the configuration in use, for error hints. */
  armEndpoint?: string;
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(
  command: string,
  args: string[],
  options: T,
  allowPositionals = false,
) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/\. To specify a positional.*$/s, ''), command);
  }
}

type ReportFormat = 'table' | 'json' | 'markdown' | 'csv' | 'html';
const REPORT_FORMATS: readonly ReportFormat[] = ['table', 'json', 'markdown', 'csv', 'html'];

function formatOf<F extends string>(command: string, value: unknown, allowed: readonly F[], fallback: F): F {
  if (value === undefined) return fallback;
  if (allowed.includes(value as F)) return value as F;
  throw new UsageError(`--format: expected ${allowed.join(', ')}; got '${String(value)}'`, command);
}

/**
 * Checks that `--out` can be written before anything runs (an apply must not change Azure and then lose its
 * report): an existing file must be writable, a new one's folder must exist and be writable.
 */
async function checkOut(outFile: string | undefined, command: string): Promise<void> {
  if (outFile === undefined) return;
  if (outFile.trim() === '') throw new UsageError('--out: expected a file name', command);
  const cannot = (why: string): UsageError => new UsageError(`--out ${outFile}: cannot write: ${why}`, command);
  const found = await stat(outFile).catch(() => undefined);
  if (found?.isDirectory()) throw cannot('it is a folder');
  try {
    await access(found ? outFile : dirname(outFile) || '.', fsConstants.W_OK);
  } catch (e) {
    throw cannot((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

async function emit(text: string, outFile: string | undefined, ctx: Ctx): Promise<void> {
  const body = text.endsWith('\n') ? text : `${text}\n`;
  if (outFile) {
    try {
      await writeFile(outFile, body);
    } catch (e) {
      // Checked before the run, yet failed now: the report still reaches stdout, then the run fails (exit 3).
      ctx.out.stdout(body);
      throw new Error(
        `--out ${outFile}: cannot write: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the report went to stdout`,
        { cause: e },
      );
    }
    ctx.out.stderr(`wrote ${outFile}\n`);
  } else {
    ctx.out.stdout(body);
  }
}

function configFor(command: string, file: string | undefined, ctx: Ctx, overrides: Partial<AppConfig> = {}): AppConfig {
  const config = loadConfig({ ...(file ? { file } : {}), overrides });
  ctx.armEndpoint = config.armEndpoint;
  void command;
  return config;
}

/** The score's history from the ledger, when there is a stored ledger with more than one sweep in it. */
async function trendFor(ledger: Ledger | undefined, a: Assessment): Promise<TrendPoint[] | undefined> {
  if (!ledger) return undefined;
  const entries: LedgerEntry[] = await ledger.list();
  const trend = trendOf(entries, a.standings);
  return trend.length > 1 ? trend : undefined;
}

/** The JSON document of `plan` and `sweep`: the report, the score, every VM, and the verifying sweep after --apply. */
function jsonOf(r: Review): unknown {
  const doc = (a: Assessment) => ({
    ...a.report,
    score: a.scorecard,
    vms: a.standings.map((v) => ({
      id: v.id,
      name: v.name,
      subscriptionId: v.subscriptionId,
      resourceGroup: v.resourceGroup,
      location: v.location,
      verdict: v.verdict,
      ...(v.exemptUntil ? { exemptUntil: v.exemptUntil } : {}),
      findings: v.findings.map((f) => f.ruleId),
      protection: v.protection,
    })),
  });
  return r.after ? { ...doc(r.before), after: doc(r.after) } : doc(r.before);
}

async function emitReview(
  r: Review,
  view: ReportView,
  format: ReportFormat,
  outFile: string | undefined,
  ctx: Ctx,
): Promise<void> {
  const final = finalState(r);
  switch (format) {
    case 'json':
      return emit(JSON.stringify(jsonOf(r), null, 2), outFile, ctx);
    case 'csv':
      return emit(renderCsv(view, final), outFile, ctx);
    case 'markdown': {
      const parts = [renderMarkdown(view, r.before, r.after ? `${view.title}: before` : view.title)];
      if (r.after) parts.push('', renderMarkdown(view, r.after, `${view.title}: after (verifying sweep)`));
      return emit(parts.join('\n'), outFile, ctx);
    }
    case 'html':
      return emit(renderHtml(view), outFile, ctx);
    case 'table': {
      const p = outFile ? paint(false) : ctx.paint;
      const width = outFile ? 120 : ctx.width;
      const parts = [
        renderText(view, r.before, p, width, r.after ? `${view.title} (as planned and applied)` : view.title),
      ];
      if (r.after) {
        parts.push(
          '',
          renderText(view, r.after, p, width, `${view.title}: verifying sweep`),
          '',
          renderBeforeAfter(r.before, r.after, p),
        );
      }
      return emit(parts.join('\n'), outFile, ctx);
    }
  }
}

/** Exit code of a review: the after-state when there is one, and any failed action. */
function exitOf(r: Review): number {
  const failed = r.before.report.actions.some((a) => a.result?.status === 'failed');
  const code = exitCodeOf(finalState(r).report);
  return code === EXIT.ok && failed ? EXIT.findings : code;
}

function progress(ctx: Ctx, total: number): (action: Action, result: ActionResult, i: number) => void {
  const started = Date.now();
  let done = 0;
  const p = ctx.errPaint;
  return (action, result, i) => {
    done++;
    const elapsed = Date.now() - started;
    const eta = done < total ? ` · ETA ${Math.ceil(((elapsed / done) * (total - done)) / 1000)} s` : '';
    const status =
      result.status === 'succeeded'
        ? p.green(result.status)
        : result.status === 'failed'
          ? p.red(result.status)
          : p.yellow(result.status);
    ctx.out.stderr(
      `  [${String(done).padStart(String(total).length)}/${total}] #${String(i + 1).padEnd(String(total).length)} ${action.kind.padEnd(17)} ${action.target.split('/').pop() ?? ''}: ${status}${result.error ? ` ${result.error.code}` : result.detail ? ` (${result.detail})` : ''} ${p.dim(`${result.durationMs} ms${eta}`)}\n`,
    );
  };
}

async function planCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values } = parse('plan', args, {
    snapshot: { type: 'string', multiple: true },
    config: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  if (!values.snapshot?.length) throw new UsageError('--snapshot FILE is required', 'plan');
  const format = formatOf('plan', values.format, REPORT_FORMATS, 'table');
  await checkOut(values.out, 'plan');
  const config = configFor('plan', values.config, ctx);
  const engine = engineConfigOf(config);
  const r = await review({ inventory: snapshotInventory(values.snapshot), clock: systemClock, config: engine });
  const view: ReportView = {
    title: 'warden plan',
    review: r,
    config: engine,
    subscriptionNames: r.before.subscriptionNames,
    generatedAt: r.before.at,
  };
  await emitReview(r, view, format, values.out, ctx);
  return exitOf(r);
}

/** Subscription display names from Resource Graph (ResourceContainers); none when the query fails. */
async function liveSubscriptionNames(
  runQuery: (
    kql: string,
    scope: { subscriptions: string[]; managementGroups: string[] },
  ) => Promise<Record<string, unknown>[]>,
  scope: { subscriptions: string[]; managementGroups: string[] },
): Promise<Record<string, string>> {
  try {
    const rows = await runQuery(
      "ResourceContainers | where type =~ 'microsoft.resources/subscriptions' | project subscriptionId, name",
      scope,
    );
    const names: Record<string, string> = {};
    for (const row of rows) {
      const id = typeof row.subscriptionId === 'string' ? row.subscriptionId.toLowerCase() : '';
      const name = typeof row.name === 'string' ? row.name : '';
      if (id && name && name.toLowerCase() !== id) names[id] = name;
    }
    return names;
  } catch {
    return {};
  }
}

function requireStorageLedger(command: string, wanted: boolean | undefined): void {
  if (wanted && !hasStorageLedger())
    throw new UsageError(
      '--ledger: AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is not set, so there is no ledger to record to',
      command,
    );
}

async function sweepCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values } = parse('sweep', args, {
    subscription: { type: 'string', multiple: true },
    'management-group': { type: 'string', multiple: true },
    apply: { type: 'boolean' },
    ledger: { type: 'boolean' },
    config: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
  });
  const format = formatOf('sweep', values.format, REPORT_FORMATS, 'table');
  await checkOut(values.out, 'sweep');
  requireStorageLedger('sweep', values.ledger);
  const config = configFor('sweep', values.config, ctx);
  const ledger = values.ledger ? ledgerFor(config) : undefined;
  const scope = {
    subscriptions: values.subscription ?? config.subscriptions,
    managementGroups: values['management-group'] ?? config.managementGroups,
  };
  const p = ctx.errPaint;
  const services = await liveServices(config, (line) => ctx.out.stderr(`${p.dim(line)}\n`));
  const engine = engineConfigOf(config);
  const sweepId = `cli-${randomUUID()}`;
  let onProgress: ProgressListener = () => undefined;
  const r = await review(
    { inventory: services.inventory, remediator: services.remediator, clock: systemClock, config: engine },
    {
      scope,
      apply: values.apply === true,
      ...(ledger ? { ledger: { ledger, sweepId } } : {}),
      onApply: (actions) => {
        ctx.out.stderr(`applying ${actions.length} action(s)\n`);
        onProgress = progress(ctx, actions.length);
      },
      onProgress: (action, result, i) => onProgress(action, result, i),
      onVerify: () => ctx.out.stderr('verifying: sweeping again to read the after-state\n'),
    },
  );
  const names = { ...(await liveSubscriptionNames(services.runQuery, scope)), ...r.before.subscriptionNames };
  const trend = await trendFor(ledger, finalState(r));
  const view: ReportView = {
    title: values.apply ? 'warden sweep --apply' : 'warden sweep',
    review: r,
    config: engine,
    subscriptionNames: names,
    generatedAt: finalState(r).at,
    ...(trend ? { trend } : {}),
  };
  await emitReview(r, view, format, values.out, ctx);
  if (ledger) ctx.out.stderr(`recorded to the findings ledger as sweep ${sweepId}\n`);
  return exitOf(r);
}
async function explainCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values, positionals } = parse(
    'explain',
    args,
    {
      snapshot: { type: 'string', multiple: true },
      subscription: { type: 'string', multiple: true },
      'management-group': { type: 'string', multiple: true },
      config: { type: 'string' },
      format: { type: 'string' },
    },
    true,
  );
  if (positionals.length !== 1 || !positionals[0]?.trim())
    throw new UsageError('give one VM: its resource id, resourceGroup/name, or name', 'explain');
  const ref = positionals[0];
  const format = formatOf('explain', values.format, ['text', 'json'] as const, 'text');
  const config = configFor('explain', values.config, ctx);
  const engine = engineConfigOf(config);
  let inventory: InventorySource;
  let scope = { subscriptions: [] as string[], managementGroups: [] as string[] };
  if (values.snapshot?.length) inventory = snapshotInventory(values.snapshot);
  else {
    scope = {
      subscriptions: values.subscription ?? config.subscriptions,
      managementGroups: values['management-group'] ?? config.managementGroups,
    };
    inventory = (await liveServices(config, (line) => ctx.out.stderr(`${ctx.errPaint.dim(line)}\n`))).inventory;
  }
  const r = await review({ inventory, clock: systemClock, config: engine }, { scope });
  const matches = findVms(r.before.standings, ref);
  if (matches.length === 0)
    throw new UsageError(
      `no VM '${ref}' in ${values.snapshot?.length ? values.snapshot.join(', ') : 'the swept scope'} (${r.before.standings.length} VMs)`,
      'explain',
    );
  if (matches.length > 1)
    throw new UsageError(
      `'${ref}' names ${matches.length} VMs; give resourceGroup/name or the id: ${matches.map((m) => m.id).join(', ')}`,
      'explain',
    );
  const doc = explanationOf(r.before, matches[0] as (typeof matches)[number], engine);
  if (format === 'json') ctx.out.stdout(`${JSON.stringify(doc, null, 2)}\n`);
  else ctx.out.stdout(`${renderExplanation(doc, r.before.subscriptionNames, ctx.paint, ctx.width)}\n`);
  return doc.vm.verdict === 'non-compliant' ? EXIT.findings : EXIT.ok;
}

async function queryCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values, positionals } = parse(
    'query',
    args,
    {
      kql: { type: 'string' },
      subscription: { type: 'string', multiple: true },
      'management-group': { type: 'string', multiple: true },
      config: { type: 'string' },
    },
    true,
  );
  if (positionals.length > 1) throw new UsageError('give one FILE or --kql TEXT', 'query');
  if (positionals.length === 1 && values.kql) throw new UsageError('give a FILE or --kql TEXT, not both', 'query');
  let kql = values.kql;
  if (positionals[0]) {
    try {
      kql = await readFile(positionals[0], 'utf8');
    } catch (e) {
      throw new UsageError(
        `${positionals[0]}: cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        'query',
      );
    }
  }
  if (!kql?.trim()) throw new UsageError('a KQL FILE or --kql TEXT is required', 'query');
  const config = configFor('query', values.config, ctx);
  const services = await liveServices(config, (line) => ctx.out.stderr(`${ctx.errPaint.dim(line)}\n`));
  const rows = await services.runQuery(kql, {
    subscriptions: values.subscription ?? config.subscriptions,
    managementGroups: values['management-group'] ?? config.managementGroups,
  });
  ctx.out.stdout(`${JSON.stringify(rows, null, 2)}\n`);
  return EXIT.ok;
}

async function emulatorCommand(args: string[], _ctx: Ctx): Promise<number> {
  const { values } = parse('emulator', args, {
    estate: { type: 'string', multiple: true },
    port: { type: 'string' },
    faults: { type: 'string' },
    seed: { type: 'string' },
  });
  if (!values.estate?.length) throw new UsageError('--estate FILE is required', 'emulator');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port: expected 0-65535, got '${values.port}'`, 'emulator');
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isInteger(seed))
    throw new UsageError(`--seed: expected an integer, got '${values.seed}'`, 'emulator');
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

async function replayEventsCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values, positionals } = parse(
    'replay-events',
    args,
    { config: { type: 'string' }, format: { type: 'string' } },
    true,
  );
  const format = formatOf('replay-events', values.format, ['table', 'json'] as const, 'table');
  if (positionals.length !== 1 || !positionals[0])
    throw new UsageError('give one FILE holding an array of events', 'replay-events');
  const file = positionals[0];
  let events: unknown;
  try {
    events = JSON.parse(await readFile(file, 'utf8'));
  } catch (e) {
    throw new UsageError(
      `${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'cannot read: ENOENT' : `not JSON: ${(e as Error).message}`}`,
      'replay-events',
    );
  }
  const list = Array.isArray(events) ? events : [events];
  const config = configFor('replay-events', values.config, ctx);
  const ledger = ledgerFor(config);
  if (!hasStorageLedger())
    ctx.out.stderr('no AzureWebJobsStorage: the ledger (dedupe keys included) is kept in memory for this run\n');
  const telemetry = cliTelemetry();
  const services = eventServices(config, ledger, telemetry, (line) => ctx.out.stderr(`${ctx.errPaint.dim(line)}\n`));
  // maxActions bounds the whole replay, not each event.
  const deps = { ...services, remediator: cappedPerRun(services.remediator, config.maxActions) };
  const results: EventResult[] = [];
  for (const [i, event] of list.entries()) {
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
    const last = results[results.length - 1];
    if (last) ctx.out.stderr(`  [${i + 1}/${list.length}] ${last.eventId || '(no id)'}: ${last.outcome}\n`);
  }
  await telemetry.flush();
  if (format === 'json') ctx.out.stdout(`${JSON.stringify(results, null, 2)}\n`);
  else {
    const p = ctx.paint;
    ctx.out.stdout(
      `${fitTable(
        ['EVENT', 'OUTCOME', 'DETAIL'],
        results.map((r) => [r.eventId, r.outcome, r.detail]),
        ctx.width,
        (col, cell, row) =>
          col === 1 ? (['failed', 'invalid', 'reported'].includes(row[1] ?? '') ? p.red(cell) : p.green(cell)) : cell,
        p.dim,
      )}\n`,
    );
  }
  const count = (o: string): number => results.filter((r) => r.outcome === o).length;
  // An invalid event is acknowledged, as the Function App does (a retry cannot fix it); it is counted, not failed.
  const failed = count('failed');
  const open = count('reported');
  ctx.out.stderr(
    `${results.length} event(s): ${failed} failed, ${open} left findings open, ${count('invalid')} invalid, ${results.length - failed - open - count('invalid')} settled\n`,
  );
  return failed > 0 || open > 0 ? EXIT.findings : EXIT.ok;
}

const LEDGER_STATUSES: LedgerStatus[] = ['open', 'exempt', 'remediating', 'remediated', 'failed', 'resolved'];

async function findingsCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values } = parse('findings', args, {
    status: { type: 'string' },
    format: { type: 'string' },
    config: { type: 'string' },
  });
  const status = values.status as LedgerStatus | undefined;
  if (status !== undefined && !LEDGER_STATUSES.includes(status))
    throw new UsageError(`--status: expected one of ${LEDGER_STATUSES.join(', ')}, got '${status}'`, 'findings');
  const format = formatOf('findings', values.format, ['table', 'json', 'csv', 'markdown'] as const, 'table');
  const config = configFor('findings', values.config, ctx);
  if (!hasStorageLedger())
    ctx.out.stderr('no AzureWebJobsStorage (or AzureWebJobsStorage__accountName) is set: there is no ledger to list\n');
  const entries: LedgerEntry[] = await ledgerFor(config).list(status ? { status } : {});
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
  const rowOf = (e: LedgerEntry): unknown[] => {
    const row: Partial<Record<(typeof cols)[number], unknown>> = {
      ...e,
      lastActionKind: e.lastAction?.kind,
      lastActionStatus: e.lastAction?.status,
      lastActionErrorCode: e.lastAction?.errorCode,
    };
    return cols.map((c) => row[c]);
  };
  const lastAction = (e: LedgerEntry): string =>
    e.lastAction
      ? `${e.lastAction.kind} ${e.lastAction.status}${e.lastAction.errorCode ? ` ${e.lastAction.errorCode}` : ''}`
      : '';
  if (format === 'json') ctx.out.stdout(`${JSON.stringify(entries, null, 2)}\n`);
  else if (format === 'csv') ctx.out.stdout(csvLines(cols, entries.map(rowOf)));
  else if (format === 'markdown') {
    ctx.out.stdout(
      [
        `## Findings ledger${status ? ` (${status})` : ''}: ${entries.length} finding(s)`,
        '',
        '| Status | Severity | Rule | Resource | First seen | Last seen | Last action |',
        '| --- | --- | --- | --- | --- | --- | --- |',
        ...entries.map(
          (e) =>
            `| ${[e.status, e.severity, e.ruleId, shortId(e.resourceId), e.firstSeen.slice(0, 16), e.lastSeen.slice(0, 16), lastAction(e)].map(mdCell).join(' | ')} |`,
        ),
        '',
      ].join('\n'),
    );
  } else {
    ctx.out.stdout(
      `${fitTable(
        ['STATUS', 'SEVERITY', 'RULE', 'RESOURCE', 'FIRST SEEN', 'LAST SEEN', 'LAST ACTION'],
        entries.map((e) => [
          e.status,
          e.severity,
          e.ruleId,
          shortId(e.resourceId),
          e.firstSeen.slice(0, 16),
          e.lastSeen.slice(0, 16),
          lastAction(e),
        ]),
        ctx.width,
        undefined,
        ctx.paint.dim,
      )}\n${entries.length} finding(s)\n`,
    );
  }
  return EXIT.ok;
}

async function demoCommand(args: string[], ctx: Ctx): Promise<number> {
  const { values } = parse('demo', args, { format: { type: 'string' }, out: { type: 'string' } });
  const format = formatOf('demo', values.format, ['table', 'markdown', 'html', 'json'] as const, 'table');
  await checkOut(values.out, 'demo');
  const { runDemo } = await import('./demo.js');
  return runDemo(ctx.out, undefined, {
    render: async (view) => emitReview(view.review, view, format, values.out, ctx),
    paint: ctx.errPaint,
  });
}

const VERBS: Record<string, (args: string[], ctx: Ctx) => Promise<number>> = {
  plan: planCommand,
  sweep: sweepCommand,
  explain: explainCommand,
  query: queryCommand,
  emulator: emulatorCommand,
  demo: demoCommand,
  'replay-events': replayEventsCommand,
  findings: findingsCommand,
};

/** Splits the global flags (anywhere on the line, up to `--`) from the rest. */
function globalsOf(argv: string[]): { globals: Globals & { help: boolean; version: boolean }; rest: string[] } {
  const globals = { color: true, debug: false, help: false, version: false };
  const rest: string[] = [];
  let passthrough = false;
  for (const a of argv) {
    if (passthrough) rest.push(a);
    else if (a === '--') {
      passthrough = true;
      rest.push(a);
    } else if (a === '--no-color' || a === '--no-colour') globals.color = false;
    else if (a === '--debug') globals.debug = true;
    else if (a === '--help' || a === '-h') globals.help = true;
    else if (a === '--version' || a === '-V') globals.version = true;
    else rest.push(a);
  }
  return { globals, rest };
}

/** Runs the CLI; returns the exit code. Never throws. */
export async function main(argv: string[], out: Out = defaultOut()): Promise<number> {
  const { globals, rest } = globalsOf(argv);
  const colour =
    globals.color &&
    terminalEnv('NO_COLOR', out.env) === undefined &&
    (out.isTTY === true || terminalEnv('FORCE_COLOR', out.env) !== undefined);
  const ctx: Ctx = {
    out,
    paint: paint(colour),
    errPaint: paint(colour),
    width: out.isTTY && out.columns ? out.columns : 120,
    globals,
  };
  const [command, ...args] = rest;
  if (globals.version) {
    out.stdout(`warden ${VERSION}\n`);
    return EXIT.ok;
  }
  if (command === undefined || command === 'help') {
    const topic = command === 'help' ? args[0] : undefined;
    out.stdout(`${topic ? commandHelp(topic) : globalHelp()}\n`);
    return command === undefined && !globals.help ? EXIT.usage : EXIT.ok;
  }
  const verb = VERBS[command];
  try {
    if (!verb)
      throw new UsageError(`unknown command '${command}' (commands: ${COMMANDS.map((c) => c.name).join(', ')})`);
    if (globals.help) {
      out.stdout(`${commandHelp(command)}\n`);
      return EXIT.ok;
    }
    return await verb(args, ctx);
  } catch (e) {
    const p = ctx.errPaint;
    if (e instanceof UsageError) {
      const where = e.command ?? (verb ? command : undefined);
      out.stderr(
        `${p.red('warden:')} ${where ? `${where}: ` : ''}${e.message}\n${p.dim(`hint: run \`warden ${where ? `${where} ` : ''}--help\``)}\n`,
      );
      return EXIT.usage;
    }
    if (e instanceof ConfigError || isInputError(e)) {
      out.stderr(`${p.red('warden:')} ${command}: ${inputErrorLine(e)}\n`);
      if (globals.debug && e instanceof Error && e.stack) out.stderr(`${e.stack}\n`);
      return EXIT.usage;
    }
    const line = failureLine(e, { command, ...(ctx.armEndpoint ? { armEndpoint: ctx.armEndpoint } : {}) });
    out.stderr(`${p.red('warden:')} ${line.message}\n${line.hint ? `${p.dim(`hint: ${line.hint}`)}\n` : ''}`);
    if (globals.debug && e instanceof Error && e.stack) out.stderr(`${e.stack}\n`);
    else if (!line.hint) out.stderr(p.dim('(run with --debug for the stack trace)\n'));
    return EXIT.failed;
  }
}

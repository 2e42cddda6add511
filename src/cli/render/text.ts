/** The terminal report (`--format table`): grouped by VM, fitted to the terminal's width, wrapping instead of cutting. */
import type { Assessment } from '../../app/review';
import type { Finding } from '../../core/model';
import type { Report } from '../../core/report';
import { formatScore, type ScoreCell } from '../../core/score';
import { reasonMeaning } from '../../core/explain';
import {
  describeAction,
  describeResult,
  detailText,
  findingBrief,
  fitTable,
  reasonOf,
  shortId,
  subscriptionIdOf,
  subscriptionLabel,
  wrap,
  type Paint,
  type ReportView,
} from './common';

/** Below this width the VM table stacks: each VM on a line, its findings below it. */
const STACK_BELOW = 110;

/** The coverage a report states (`summary.coverage`), read defensively: whether it is complete, and in words. */
export interface CoverageView {
  /** False when the sweep could not read everything it was asked to; undefined when the report does not say. */
  complete?: boolean;
  words: string;
  /** What was not covered, one entry each (scopes with their reason, missing kinds, rejected rows). */
  gaps: string[];
}

/** Reads `summary.coverage`, whatever its exact shape; undefined when the report has none. */
export function coverageView(report: Report): CoverageView | undefined {
  const coverage = (report.summary as { coverage?: unknown }).coverage;
  if (coverage === undefined || coverage === null) return undefined;
  if (typeof coverage !== 'object') return { words: String(coverage), gaps: [] };
  const c = coverage as Record<string, unknown>;
  const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
  if (typeof c.complete === 'boolean') {
    const gaps = [
      ...list(c.uncovered),
      ...list(c.missing).map((m) => `missing: ${m}`),
      ...(typeof c.rejectedRows === 'number' && c.rejectedRows > 0 ? [`${c.rejectedRows} row(s) rejected`] : []),
    ];
    const seen = list(c.seen).length;
    return {
      complete: c.complete,
      words: c.complete
        ? `complete (${seen} subscription${seen === 1 ? '' : 's'} read)`
        : `INCOMPLETE: ${gaps.join('; ') || 'not everything asked for was read'}`,
      gaps,
    };
  }
  return {
    words: Object.entries(c)
      .map(
        ([k, v]) =>
          `${k} ${Array.isArray(v) ? (v.length ? v.join(', ') : 'none') : typeof v === 'object' ? JSON.stringify(v) : String(v)}`,
      )
      .join('; '),
    gaps: [],
  };
}

/** The coverage the report states, in words. */
export function coverageWords(report: Report): string | undefined {
  return coverageView(report)?.words;
}

/** The one-line summary: score, exemptions, findings, actions, coverage. */
export function summaryLine(a: Assessment, names: Record<string, string>): string {
  const s = a.report.summary;
  const subs = new Set(a.standings.map((v) => v.subscriptionId));
  const coverage =
    coverageWords(a.report) ??
    `${a.standings.length} VMs in ${subs.size} subscription${subs.size === 1 ? '' : 's'} (${[...subs].map((x) => subscriptionLabel(x, names)).join(', ')})`;
  const results = s.results
    ? `; applied ${s.results.succeeded} ok, ${s.results.failed} failed, ${s.results.skipped} skipped`
    : '';
  const partial = coverageView(a.report)?.complete === false ? ' of what could be read (coverage INCOMPLETE)' : '';
  return (
    `Compliance ${formatScore(a.scorecard.overall)}${partial}, ${a.scorecard.overall.exempt} exempt · ` +
    `${s.open} open findings, ${s.exempt} exempt · ${s.actions} actions${s.truncated ? ` (+${s.truncatedActions} beyond maxActions)` : ''}${results} · coverage: ${coverage}`
  );
}

function scoreColour(p: Paint, cell: ScoreCell, text: string): string {
  if (cell.percent === null) return p.dim(text);
  return cell.percent >= 90 ? p.green(text) : cell.percent >= 60 ? p.yellow(text) : p.red(text);
}

function findingLine(f: Finding, report: Report): string {
  const reason = reasonOf(f);
  const fixes = report.actions
    .map((a, i) => ({ a, i }))
    .filter(({ a }) => a.resolves.includes(`${f.ruleId}|${f.resourceId.toLowerCase()}`));
  const fix =
    f.status === 'exempt'
      ? `exempt${detailText(f, 'exemptUntil') ? ` until ${detailText(f, 'exemptUntil')}` : ''}`
      : fixes.length
        ? `fix ${fixes.map(({ a, i }) => `#${i + 1}${a.result ? ` ${a.result.status}` : ''}`).join(', ')}`
        : reason
          ? `not fixed: ${reason}`
          : '';
  return `${f.ruleId}: ${findingBrief(f)}${fix ? ` → ${fix}` : ''}`;
}

/** The reasons that appear in the report, each with its meaning once. */
function reasonLegend(report: Report): string[] {
  const reasons = [
    ...new Set(
      report.findings
        .filter((f) => f.status === 'open')
        .map(reasonOf)
        .filter((r): r is string => !!r),
    ),
  ];
  return reasons.map((r) => `${r}: ${reasonMeaning(r)}`);
}

/** The whole assessment as text for a terminal of `width` columns. */
export function renderText(view: ReportView, a: Assessment, p: Paint, width: number, heading = view.title): string {
  const out: string[] = [];
  const { report, standings, scorecard } = a;
  const names = view.subscriptionNames;
  const w = Math.max(60, width);
  out.push(p.bold(heading));
  out.push(...wrap(summaryLine(a, names), w));
  const breakdown = (label: string, cells: Record<string, ScoreCell>, name: (k: string) => string): void => {
    const entries = Object.entries(cells).sort(([x], [y]) => x.localeCompare(y));
    const plain = entries.map(
      ([k, c]) =>
        `${name(k)}\u00a0${c.percent === null ? 'n/a' : `${c.percent.toFixed(1)}%`}\u00a0(${c.compliant}/${c.inScope})`,
    );
    // Wrapped as plain text (non-breaking spaces keep each entry whole), then each percentage is coloured.
    const lines = wrap(`${label} ${plain.join(' · ')}`, w).map((l) => l.replaceAll('\u00a0', ' '));
    for (const line of lines) {
      let coloured = line.startsWith(label) ? `${p.dim(label)}${line.slice(label.length)}` : line;
      for (const [, c] of entries) {
        const pctText = c.percent === null ? 'n/a' : `${c.percent.toFixed(1)}%`;
        coloured = coloured.replace(` ${pctText} (${c.compliant}/`, ` ${scoreColour(p, c, pctText)} (${c.compliant}/`);
      }
      out.push(coloured);
    }
  };
  breakdown('by subscription:', scorecard.bySubscription, (k) => subscriptionLabel(k, names));
  breakdown('by region:      ', scorecard.byRegion, (k) => k);
  out.push('');

  const flagged = standings.filter((s) => s.findings.length > 0);
  if (flagged.length) {
    out.push(
      p.bold(
        `VMs with findings (${flagged.filter((s) => s.verdict === 'non-compliant').length} non-compliant, ${flagged.filter((s) => s.verdict === 'exempt').length} exempt)`,
      ),
    );
    if (w >= STACK_BELOW) {
      const rows = flagged.map((s) => [
        s.verdict === 'exempt' ? 'exempt' : 'open',
        s.name,
        `${subscriptionLabel(s.subscriptionId, names)}/${s.resourceGroup}`,
        s.location,
        s.findings.map((f) => findingLine(f, report)).join('\n'),
      ]);
      out.push(
        fitTable(
          ['', 'VM', 'SUBSCRIPTION/RG', 'REGION', 'FINDINGS → WHAT HAPPENS'],
          rows,
          w,
          (col, cell, row) =>
            col === 0 ? (row[0] === 'exempt' ? p.dim(cell) : p.red(cell)) : col === 1 ? p.bold(cell) : cell,
          p.dim,
        ),
      );
    } else {
      // A narrow terminal: each VM on its own line, its findings indented below it at full width.
      for (const s of flagged) {
        const mark = s.verdict === 'exempt' ? 'exempt' : 'open  ';
        const first = `${s.verdict === 'exempt' ? p.dim(mark) : p.red(mark)} ${p.bold(s.name)}`;
        const where = `${subscriptionLabel(s.subscriptionId, names)}/${s.resourceGroup}  ${s.location}`;
        if (mark.length + 1 + s.name.length + 2 + where.length <= w) out.push(`${first}  ${where}`);
        else out.push(first, ...wrap(where, w - 7).map((l) => `       ${l}`));
        for (const f of s.findings)
          out.push(...wrap(findingLine(f, report), w - 9).map((l, i) => `${i === 0 ? '  - ' : '    '}${l}`));
      }
    }
    out.push('');
  }
  const vmIds = new Set(standings.map((s) => s.id.toLowerCase()));
  const other = report.findings.filter((f) => !vmIds.has(f.resourceId.toLowerCase()));
  if (other.length) {
    out.push(p.bold(`Vaults and protected items (${other.length})`));
    out.push(
      fitTable(
        ['', 'RESOURCE', 'SUBSCRIPTION', 'FINDING → WHAT HAPPENS'],
        other.map((f) => [
          f.status,
          shortId(f.resourceId),
          subscriptionLabel(subscriptionIdOf(f.resourceId), names),
          findingLine(f, report),
        ]),
        w,
        (col, cell, row) => (col === 0 ? (row[0] === 'exempt' ? p.dim(cell) : p.yellow(cell)) : cell),
        p.dim,
      ),
    );
    out.push('');
  }
  if (!report.findings.length) out.push(p.green('No findings: every VM in scope is compliant.'), '');
  const legend = reasonLegend(report);
  if (legend.length) {
    out.push(p.bold('Not fixed automatically, and why'));
    for (const l of legend) out.push(...wrap(l, w - 4).map((x, i) => (i === 0 ? `  ${x}` : `    ${x}`)));
    out.push('');
  }

  if (report.actions.length) {
    const applied = report.actions.some((x) => x.result);
    out.push(p.bold(applied ? `Actions (applied)` : `Planned actions (${report.actions.length})`));
    const headers = applied ? ['#', 'KIND', 'TARGET', 'CHANGE', 'RESULT'] : ['#', 'KIND', 'TARGET', 'CHANGE'];
    out.push(
      fitTable(
        headers,
        report.actions.map((x, i) => {
          const row = [String(i + 1), x.kind, shortId(x.target), describeAction(x)];
          if (applied) row.push(describeResult(x));
          return row;
        }),
        w,
        (col, cell) =>
          col === 4
            ? cell.startsWith('succeeded')
              ? p.green(cell)
              : cell.startsWith('failed')
                ? p.red(cell)
                : p.yellow(cell)
            : cell,
        p.dim,
      ),
    );
    out.push('');
  } else {
    out.push('No actions planned.', '');
  }
  const compliant = standings.filter((s) => s.verdict === 'compliant');
  if (compliant.length) {
    out.push(p.bold(`Compliant VMs (${compliant.length})`));
    out.push(...wrap(compliant.map((s) => s.name).join(', '), w).map(p.green));
    out.push('');
  }
  const warnings = report.summary.warnings;
  if (warnings.length) {
    out.push(p.yellow(`Warnings (${warnings.length})`));
    for (const x of warnings) out.push(...wrap(`- ${x}`, w - 2).map((l, i) => (i === 0 ? `  ${l}` : `    ${l}`)));
  }
  return out.join('\n').trimEnd();
}

/** Before → after of an applied sweep, in one line per measure. */
export function renderBeforeAfter(before: Assessment, after: Assessment, p: Paint): string {
  const b = before.report.summary;
  const a = after.report.summary;
  const r = b.results ?? { succeeded: 0, failed: 0, skipped: 0 };
  return [
    p.bold('Before → after'),
    `  compliance  ${formatScore(before.scorecard.overall)} → ${scoreColour(p, after.scorecard.overall, formatScore(after.scorecard.overall))}`,
    `  open        ${b.open} → ${a.open} findings (${a.actions} still planned)`,
    `  actions     ${r.succeeded} succeeded, ${r.failed ? p.red(`${r.failed} failed`) : '0 failed'}, ${r.skipped} skipped`,
  ].join('\n');
}

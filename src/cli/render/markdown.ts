/** `--format markdown`: the report for pull requests and tickets (GitHub-flavoured tables, details blocks). */
import type { Assessment } from '../../app/review';
import { reasonMeaning } from '../../core/explain';
import type { Finding } from '../../core/model';
import type { ScoreCell } from '../../core/score';
import { formatScore } from '../../core/score';
import {
  describeAction,
  describeResult,
  findingBrief,
  reasonOf,
  shortId,
  subscriptionIdOf,
  subscriptionLabel,
  type ReportView,
} from './common';
import { coverageWords } from './text';

/** Escapes text for a Markdown table cell: pipes, backslashes, HTML-significant and inline-markup characters, newlines. */
export function mdCell(value: unknown): string {
  return String(value ?? '')
    .replace(/[\\`*_[\]|<>~]/g, (c) => `\\${c}`)
    .replace(/\r?\n/g, '<br>');
}

function mdTable(headers: string[], rows: unknown[][]): string {
  return [
    `| ${headers.map(mdCell).join(' | ')} |`,
    `| ${headers.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
  ].join('\n');
}

function pct(c: ScoreCell): string {
  return c.percent === null ? 'n/a' : `${c.percent.toFixed(1)}%`;
}

function what(f: Finding, a: Assessment): string {
  if (f.status === 'exempt') return 'exempt';
  const fixes = a.report.actions
    .map((x, i) => ({ x, i }))
    .filter(({ x }) => x.resolves.includes(`${f.ruleId}|${f.resourceId.toLowerCase()}`));
  if (fixes.length)
    return fixes.map(({ x, i }) => `#${i + 1} ${x.kind}${x.result ? ` (${x.result.status})` : ''}`).join(', ');
  const reason = reasonOf(f);
  return reason ? `not fixed: ${reasonMeaning(reason)}` : '';
}

/** The assessment as Markdown. */
export function renderMarkdown(view: ReportView, a: Assessment, heading = view.title): string {
  const names = view.subscriptionNames;
  const s = a.report.summary;
  const out: string[] = [];
  out.push(`## ${mdCell(heading)}: compliance ${mdCell(formatScore(a.scorecard.overall))}`, '');
  out.push(
    `${s.open} open findings, ${s.exempt} exempt; ${s.actions} actions${s.results ? ` (applied: ${s.results.succeeded} succeeded, ${s.results.failed} failed, ${s.results.skipped} skipped)` : ' planned'}; ` +
      `${a.scorecard.overall.exempt} VMs exempt. Generated ${view.generatedAt.toISOString()}.`,
    '',
  );
  const coverage = coverageWords(a.report);
  if (coverage) out.push(`Coverage: ${mdCell(coverage)}`, '');
  out.push(
    mdTable(
      ['Scope', 'Score', 'Compliant', 'In scope', 'Exempt'],
      [
        [
          '**overall**',
          pct(a.scorecard.overall),
          a.scorecard.overall.compliant,
          a.scorecard.overall.inScope,
          a.scorecard.overall.exempt,
        ],
        ...Object.entries(a.scorecard.bySubscription).map(([k, c]) => [
          `subscription ${subscriptionLabel(k, names)}`,
          pct(c),
          c.compliant,
          c.inScope,
          c.exempt,
        ]),
        ...Object.entries(a.scorecard.byRegion).map(([k, c]) => [
          `region ${k}`,
          pct(c),
          c.compliant,
          c.inScope,
          c.exempt,
        ]),
      ].map((r) => r.map((c) => (c === '**overall**' ? 'overall' : c))),
    ),
    '',
  );
  const flagged = a.standings.filter((v) => v.findings.length > 0);
  if (flagged.length) {
    out.push(`### VMs with findings (${flagged.length})`, '');
    out.push(
      mdTable(
        ['VM', 'Subscription', 'Resource group', 'Region', 'Status', 'Findings', 'What happens'],
        flagged.map((v) => [
          v.name,
          subscriptionLabel(v.subscriptionId, names),
          v.resourceGroup,
          v.location,
          v.verdict,
          v.findings.map((f) => `${f.ruleId}: ${findingBrief(f)}`).join('\n'),
          v.findings.map((f) => what(f, a)).join('\n'),
        ]),
      ),
      '',
    );
  }
  const vmIds = new Set(a.standings.map((v) => v.id.toLowerCase()));
  const other = a.report.findings.filter((f) => !vmIds.has(f.resourceId.toLowerCase()));
  if (other.length) {
    out.push(`### Vaults and protected items (${other.length})`, '');
    out.push(
      mdTable(
        ['Resource', 'Subscription', 'Rule', 'Status', 'Message', 'What happens'],
        other.map((f) => [
          shortId(f.resourceId),
          subscriptionLabel(subscriptionIdOf(f.resourceId), names),
          f.ruleId,
          f.status,
          f.message,
          what(f, a),
        ]),
      ),
      '',
    );
  }
  if (a.report.actions.length) {
    const applied = a.report.actions.some((x) => x.result);
    out.push(`### ${applied ? 'Actions' : 'Planned actions'} (${a.report.actions.length})`, '');
    out.push(
      mdTable(
        applied ? ['#', 'Kind', 'Target', 'Change', 'Result'] : ['#', 'Kind', 'Target', 'Change'],
        a.report.actions.map((x, i) => {
          const row = [i + 1, x.kind, shortId(x.target), describeAction(x)];
          if (applied) row.push(describeResult(x));
          return row;
        }),
      ),
      '',
    );
  }
  const compliant = a.standings.filter((v) => v.verdict === 'compliant');
  out.push(
    `<details><summary>Compliant VMs (${compliant.length})</summary>`,
    '',
    compliant.length
      ? compliant
          .map(
            (v) => `- ${mdCell(v.name)} (${mdCell(subscriptionLabel(v.subscriptionId, names))}, ${mdCell(v.location)})`,
          )
          .join('\n')
      : '_none_',
    '',
    '</details>',
  );
  if (s.warnings.length) {
    out.push(
      '',
      `<details><summary>Warnings (${s.warnings.length})</summary>`,
      '',
      ...s.warnings.map((x) => `- ${mdCell(x)}`),
      '',
      '</details>',
    );
  }
  return out.join('\n');
}

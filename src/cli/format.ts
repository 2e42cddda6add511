/** Renders a report as plain-text tables for people (`--format table`, the default). */
import type { Report, ReportAction } from '../core/report';

/** A resource id shortened to `resourceGroup/name` (or the last segments) for tables. */
export function shortId(id: string): string {
  const m = /\/resourceGroups\/([^/]+)\/providers\/[^/]+\/(.+)$/i.exec(id);
  if (!m) return id;
  const segments = (m[2] ?? '').split('/');
  const names = segments.filter((_, i) => i % 2 === 1);
  return `${m[1]}/${names.join('/')}`;
}

/** Renders rows as an aligned table with a header rule. */
export function table(headers: string[], rows: string[][], maxWidth = 80): string {
  const clip = (s: string): string => (s.length > maxWidth ? `${s.slice(0, maxWidth - 1)}…` : s);
  const cells = rows.map((r) => r.map(clip));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string =>
    r
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

function describeAction(a: ReportAction): string {
  switch (a.kind) {
    case 'create-vault':
      return `${a.params.name} in ${a.params.location}, ${a.params.storageRedundancy}`;
    case 'enable-protection':
      return `vault ${shortId(a.params.vaultId)}, policy ${a.params.policyId.split('/').pop() ?? ''}`;
    case 'add-nsg-rule':
      return `${a.params.name} priority ${a.params.priority} → ${a.params.destinationAddressPrefix}:${a.params.destinationPortRanges.join(',')}`;
    case 'trigger-backup':
      return `keep until ${a.params.recoveryPointExpiryTimeInUTC.slice(0, 10)}`;
  }
}

function describeResult(a: ReportAction): string {
  if (!a.result) return '';
  const r = a.result;
  const extra = r.error ? ` ${r.error.code}: ${r.error.message}` : r.detail ? ` (${r.detail})` : '';
  return `${r.status}${extra}`;
}

/** The whole report as text: findings, planned actions (with results when applied), summary, warnings. */
export function renderReport(report: Report, title = 'backup-warden'): string {
  const out: string[] = [];
  const s = report.summary;
  out.push(
    `${title}: ${s.resources} resources, ${s.findings} findings (${s.open} open, ${s.exempt} exempt), ${s.actions} actions${s.truncated ? ` (truncated: ${s.truncatedActions} more beyond maxActions)` : ''}`,
  );
  out.push('');
  if (report.findings.length) {
    const order = { high: 0, medium: 1, low: 2 } as const;
    const findings = [...report.findings].sort(
      (a, b) =>
        order[a.severity] - order[b.severity] ||
        a.ruleId.localeCompare(b.ruleId) ||
        a.resourceId.localeCompare(b.resourceId),
    );
    out.push('Findings');
    out.push(
      table(
        ['SEVERITY', 'RULE', 'STATUS', 'RESOURCE', 'WHY / NOTE'],
        findings.map((f) => {
          const reason = typeof f.details.reason === 'string' ? `[${f.details.reason}] ` : '';
          return [f.severity, f.ruleId, f.status, shortId(f.resourceId), `${reason}${f.message}`];
        }),
        90,
      ),
    );
  } else {
    out.push('No findings: every VM in scope is compliant.');
  }
  out.push('');
  if (report.actions.length) {
    const applied = report.actions.some((a) => a.result);
    out.push(applied ? 'Actions (applied)' : 'Planned actions');
    const headers = applied ? ['#', 'KIND', 'TARGET', 'CHANGE', 'RESULT'] : ['#', 'KIND', 'TARGET', 'CHANGE'];
    out.push(
      table(
        headers,
        report.actions.map((a, i) => {
          const row = [String(i + 1), a.kind, shortId(a.target), describeAction(a)];
          if (applied) row.push(describeResult(a));
          return row;
        }),
        70,
      ),
    );
  } else {
    out.push('No actions planned.');
  }
  if (s.results)
    out.push('', `Results: ${s.results.succeeded} succeeded, ${s.results.failed} failed, ${s.results.skipped} skipped`);
  if (s.warnings.length) {
    out.push('', `Warnings (${s.warnings.length})`);
    for (const w of s.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n');
}

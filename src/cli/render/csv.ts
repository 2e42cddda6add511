/** `--format csv`: one row per finding (RFC 4180), safe to open in a spreadsheet. */
import type { Assessment } from '../../app/review';
import { nameOf, subscriptionOf, tryParseResourceId, typeOf } from '../../core/ids';
import { detailText, subscriptionLabel, type ReportView } from './common';

/**
 * One CSV cell: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`, `@`, tab or CR is
 * prefixed with `'` so that a spreadsheet never runs a cell as a formula.
 */
export function csvCell(value: unknown): string {
  let s = value === undefined || value === null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows of cells as CSV text with CRLF line ends. */
export function csvLines(header: readonly string[], rows: readonly unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

const COLUMNS = [
  'ruleId',
  'severity',
  'status',
  'subscriptionId',
  'subscription',
  'resourceGroup',
  'resourceType',
  'resourceName',
  'location',
  'vmVerdict',
  'message',
  'reason',
  'actions',
  'actionResults',
  'resourceId',
] as const;

/** The assessment's findings as CSV, one row per finding, with the VM's verdict and the actions that resolve it. */
export function renderCsv(view: ReportView, a: Assessment): string {
  const vms = new Map(a.standings.map((v) => [v.id.toLowerCase(), v]));
  const rows = a.report.findings.map((f) => {
    const subscriptionId = subscriptionOf(f.resourceId) ?? '';
    const vm = vms.get(f.resourceId.toLowerCase());
    const key = `${f.ruleId}|${f.resourceId.toLowerCase()}`;
    const actions = a.report.actions.filter((x) => x.resolves.includes(key));
    return [
      f.ruleId,
      f.severity,
      f.status,
      subscriptionId,
      subscriptionId ? subscriptionLabel(subscriptionId, view.subscriptionNames) : '',
      tryParseResourceId(f.resourceId)?.resourceGroup ?? '',
      typeOf(f.resourceId) ?? '',
      nameOf(f.resourceId),
      vm?.location ?? detailText(f, 'region') ?? '',
      vm?.verdict ?? '',
      f.message,
      detailText(f, 'reason') ?? '',
      actions.map((x) => x.kind).join(' '),
      actions
        .map((x) => x.result?.status ?? '')
        .filter(Boolean)
        .join(' '),
      f.resourceId,
    ];
  });
  return csvLines(COLUMNS, rows);
}

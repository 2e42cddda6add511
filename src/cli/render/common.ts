/** What every renderer shares: the view it renders, labels for subscriptions and resources, colour and wrapping. */
import type { Review } from '../../app/review';
import type { EngineConfig } from '../../core/engine-config';
import type { Finding } from '../../core/model';
import type { ReportAction } from '../../core/report';
import { describeAction as registryDescription } from '../../core/actions';

/** One point of the score's history, from the findings ledger. */
export interface TrendPoint {
  at: string;
  percent: number;
}

/** Everything a renderer needs: the review, the settings the plan used, and labels. */
export interface ReportView {
  /** `warden plan`, `warden sweep`, `warden sweep --apply`. */
  title: string;
  review: Review;
  config: EngineConfig;
  /** Display names of subscriptions by lower-case id, when known. */
  subscriptionNames: Record<string, string>;
  /** The score's history (oldest first), when the ledger has one. */
  trend?: TrendPoint[];
  generatedAt: Date;
}

/** A subscription's display name when known, else the first block of its id. */
export function subscriptionLabel(id: string, names: Record<string, string>): string {
  const name = names[id.toLowerCase()];
  if (name) return name;
  const first = id.split('-')[0] ?? id;
  return first.length < id.length ? `${first}…` : id;
}

/** A resource id shortened to `resourceGroup/name` (or the last segments) for tables. */
export function shortId(id: string): string {
  const m = /\/resourceGroups\/([^/]+)\/providers\/[^/]+\/(.+)$/i.exec(id);
  if (!m) return id;
  const segments = (m[2] ?? '').split('/');
  const names = segments.filter((_, i) => i % 2 === 1);
  return `${m[1]}/${names.join('/')}`;
}

/** The subscription id of a resource id (lower case), or ''. */
export function subscriptionIdOf(id: string): string {
  return (/^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? '').toLowerCase();
}

/** The change an action makes, as its kind's definition in the action registry displays it. */
export function describeAction(a: ReportAction): string {
  return registryDescription(a);
}

/** The result of an executed action in a few words, with Azure's error code and message. */
export function describeResult(a: ReportAction): string {
  if (!a.result) return '';
  const r = a.result;
  const extra = r.error ? ` ${r.error.code}: ${r.error.message}` : r.detail ? ` (${r.detail})` : '';
  return `${r.status}${extra}`;
}

/** A string field of a finding's details, whatever the rule's details type. */
export function detailText(f: Finding, key: string): string | undefined {
  const v = (f.details as Record<string, unknown>)[key];
  return typeof v === 'string' ? v : undefined;
}

/**
 * A finding in few words for tables: egress findings name each blocking rule once with its ports; other
 * messages lose the `VM 'name'` prefix the table already shows.
 */
export function findingBrief(f: Finding): string {
  const blocking = (f.details as { blocking?: unknown }).blocking;
  if (Array.isArray(blocking) && blocking.length > 0) {
    const byRule = new Map<string, number[]>();
    for (const b of blocking as { nsgName?: unknown; rule?: unknown; priority?: unknown; port?: unknown }[]) {
      const key = `${String(b.nsgName)}/${String(b.rule)} (priority ${String(b.priority)})`;
      byRule.set(key, [...(byRule.get(key) ?? []), Number(b.port)]);
    }
    const tag = detailText(f, 'serviceTag') ?? 'Storage';
    const d = f.details as { verdict?: unknown; blockedShare?: unknown; adminRules?: unknown; routes?: unknown };
    const partly =
      d.verdict === 'partially-blocked' && typeof d.blockedShare === 'number'
        ? ` (${(d.blockedShare * 100).toFixed(2)}% of flows)`
        : '';
    const more = [
      Array.isArray(d.adminRules) && d.adminRules.length ? `${d.adminRules.length} security admin rule(s)` : '',
      Array.isArray(d.routes) && d.routes.length ? `${d.routes.length} route(s)` : '',
    ].filter(Boolean);
    return `egress to ${tag}${partly} denied by ${[...byRule].map(([k, ports]) => `${k} on ${ports.join(', ')}`).join('; ')}${more.length ? `, and by ${more.join(' and ')}` : ''}`;
  }
  return f.message.replace(/^VM '[^']*' (\([^)]*\) )?/, '');
}

/** The reason an open finding has no action (`details.reason`), if it has one. */
export function reasonOf(f: Finding): string | undefined {
  return detailText(f, 'reason');
}

/** Colours for text on a terminal; every function is the identity when colour is off. */
export interface Paint {
  enabled: boolean;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  bold(s: string): string;
  dim(s: string): string;
}

/** ANSI colours when `enabled`, else plain text. */
export function paint(enabled: boolean): Paint {
  const sgr =
    (open: number, close: number) =>
    (s: string): string =>
      enabled && s ? `\u001b[${open}m${s}\u001b[${close}m` : s;
  return {
    enabled,
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    cyan: sgr(36, 39),
    bold: sgr(1, 22),
    dim: sgr(2, 22),
  };
}

/** Wraps text at word boundaries to `width` columns; a word longer than the width is broken. Never cuts text. */
export function wrap(text: string, width: number): string[] {
  const w = Math.max(8, width);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(/ +/)) {
      let rest = word;
      while (rest.length > w) {
        // A word longer than a line fills what is left of the current line, then whole lines.
        const room = line ? w - line.length - 1 : w;
        if (room < 8) {
          lines.push(line);
          line = '';
          continue;
        }
        lines.push(line ? `${line} ${rest.slice(0, room)}` : rest.slice(0, room));
        line = '';
        rest = rest.slice(room);
      }
      if (!line) line = rest;
      else if (line.length + 1 + rest.length <= w) line += ` ${rest}`;
      else {
        lines.push(line);
        line = rest;
      }
    }
    lines.push(line);
  }
  return lines;
}

/**
 * An aligned table that fits `width`: columns keep their natural width when they can; otherwise the widest
 * columns give up space and their cells wrap onto further lines (nothing is cut).
 */
export function fitTable(
  headers: string[],
  rows: string[][],
  width: number,
  style: (col: number, cell: string, row: string[]) => string = (_c, s) => s,
  head: (s: string) => string = (s) => s,
): string {
  const gap = 2;
  const natural = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const widths = [...natural];
  const total = (): number => widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1);
  const floor = headers.map((h) => Math.max(h.length, 6));
  // The last column (free text) gives up space first, down to 30 columns; then the widest columns do.
  const last = widths.length - 1;
  while (total() > width && (widths[last] ?? 0) > Math.max(floor[last] ?? 0, 30))
    widths[last] = (widths[last] ?? 0) - 1;
  while (total() > width) {
    let widest = -1;
    for (let i = 0; i < widths.length; i++)
      if ((widths[i] ?? 0) > (floor[i] ?? 0) && (widest < 0 || (widths[i] ?? 0) > (widths[widest] ?? 0))) widest = i;
    if (widest < 0) break;
    widths[widest] = (widths[widest] ?? 0) - 1;
  }
  const out: string[] = [];
  const renderRow = (r: string[], styleCell: (col: number, cell: string) => string): void => {
    const wrapped = r.map((c, i) => wrap(c, widths[i] ?? 8));
    const height = Math.max(...wrapped.map((w) => w.length));
    for (let l = 0; l < height; l++) {
      const cells = wrapped.map((w, i) => {
        const cell = w[l] ?? '';
        const padded = i === wrapped.length - 1 ? cell : cell.padEnd(widths[i] ?? 0);
        return cell ? styleCell(i, padded) : padded;
      });
      out.push(cells.join(' '.repeat(gap)).trimEnd());
    }
  };
  renderRow(headers, (_i, c) => head(c));
  for (const r of rows) renderRow(r, (i, c) => style(i, c, r));
  return out.join('\n');
}

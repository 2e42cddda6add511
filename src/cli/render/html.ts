/**
 * `--format html`: one self-contained report file (inline CSS, SVG charts and a few lines of inline JS; no
 * external fetch, enforced by its Content-Security-Policy). Every value from the estate is escaped.
 */
import type { Assessment } from '../../app/review';
import { egressOf, reasonMeaning, type EgressExplanation } from '../../core/explain';
import type { Finding } from '../../core/model';
import { projectedScoreOf, type ScoreCell, type VmStanding } from '../../core/score';
import { nounOf } from '../../core/actions';
import { RULES } from '../../core/rules';
import {
  describeAction,
  detailText,
  reasonOf,
  shortId,
  subscriptionIdOf,
  subscriptionLabel,
  type ReportView,
} from './common';
import { coverageView } from './text';

/** Escapes text for HTML element content and double-quoted attributes. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const CSS = `
:root{--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--mute:#57606a;--line:#d0d7de;--bg:#f6f8fa;--accent:#0969da;--plan:#8250df}
*{box-sizing:border-box}body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,'Helvetica Neue',Arial,sans-serif;margin:0;color:#1f2328;background:#fff}
header{background:#0b2545;color:#fff;padding:20px 32px}header h1{margin:0;font-size:22px}header p{margin:4px 0 0;color:#c9d6ea}
main{padding:20px 32px;max-width:1400px}h2{font-size:18px;margin:28px 0 10px;border-bottom:1px solid var(--line);padding-bottom:6px}
h3{font-size:15px;margin:16px 0 6px}.cards{display:flex;gap:16px;flex-wrap:wrap}.card{border:1px solid var(--line);border-radius:8px;padding:14px 18px;min-width:170px;background:#fff}
.card .big{font-size:28px;font-weight:600}.card .label{color:var(--mute);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.grid{margin-top:16px;display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:16px}.panel{border:1px solid var(--line);border-radius:8px;padding:12px 16px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600;font-size:12px;text-transform:uppercase;letter-spacing:.03em;color:var(--mute)}
.badge{display:inline-block;border-radius:10px;padding:1px 8px;font-size:12px;font-weight:600;white-space:nowrap}
.b-ok{background:#dafbe1;color:var(--ok)}.b-bad{background:#ffebe9;color:var(--bad)}.b-ex{background:#eaeef2;color:var(--mute)}.b-warn{background:#fff8c5;color:var(--warn)}.b-plan{background:#fbefff;color:var(--plan)}
.chip{display:inline-block;white-space:nowrap;border:1px solid var(--line);border-radius:4px;padding:0 5px;margin:1px 2px 1px 0;font-size:12px;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:12px}.mute{color:var(--mute)}
.matrix td{text-align:center;min-width:140px}.cov-ok{background:#dafbe1}.cov-part{background:#fff8c5}.cov-none{background:#ffebe9}.cov-empty{background:#fff;color:var(--mute)}
.path{border:1px solid var(--line);border-radius:8px;padding:10px 14px;margin:10px 0}.path h3{margin:0 0 6px}
tr.decides-deny td{background:#ffebe9;font-weight:600}tr.decides-allow td{background:#dafbe1;font-weight:600}tr.planned td{background:#fbefff;color:var(--plan);font-weight:600;border:1px dashed var(--plan)}
tr.skipped td{color:var(--mute)}.arrow{color:var(--mute);margin:0 6px}
#vm-filter{font-size:14px;padding:6px 10px;width:360px;border:1px solid var(--line);border-radius:6px}.filters{display:flex;gap:8px;align-items:center;margin:8px 0;flex-wrap:wrap}
.filters button{border:1px solid var(--line);background:#fff;border-radius:6px;padding:5px 10px;cursor:pointer}.filters button.on{background:var(--accent);color:#fff;border-color:var(--accent)}
details summary{cursor:pointer}.nowrap{white-space:nowrap}.fl{margin:2px 0}.fl a{text-decoration:none}.headline{font-size:15px;border-left:4px solid var(--accent);background:var(--bg);padding:10px 14px;margin:12px 0}.headline li{margin:2px 0}footer{color:var(--mute);font-size:12px;padding:16px 32px 32px}
.ba{font-size:15px}.ba b{font-size:20px}
`;

const SCRIPT = `
(function(){
  var input=document.getElementById('vm-filter');var rows=[].slice.call(document.querySelectorAll('#vm-table tbody tr'));
  var count=document.getElementById('vm-count');var verdict='all';
  function apply(){var q=input.value.trim().toLowerCase();var n=0;
    rows.forEach(function(r){var ok=(verdict==='all'||r.getAttribute('data-verdict')===verdict)&&(q===''||r.getAttribute('data-search').indexOf(q)>=0);
      r.style.display=ok?'':'none';if(ok)n++;});count.textContent=n+' of '+rows.length+' VMs';}
  input.addEventListener('input',apply);
  [].slice.call(document.querySelectorAll('.filters button')).forEach(function(b){b.addEventListener('click',function(){
    verdict=b.getAttribute('data-verdict');[].slice.call(document.querySelectorAll('.filters button')).forEach(function(x){x.classList.toggle('on',x===b);});apply();});});
  apply();
})();
`;

function pct(c: ScoreCell): string {
  return c.percent === null ? 'n/a' : `${c.percent.toFixed(1)}%`;
}

function scoreColour(c: ScoreCell): string {
  return c.percent === null ? '#57606a' : c.percent >= 90 ? '#1a7f37' : c.percent >= 60 ? '#9a6700' : '#cf222e';
}

function donut(c: ScoreCell, size = 120): string {
  const r = size / 2 - 10;
  const circ = 2 * Math.PI * r;
  const frac = c.percent === null ? 0 : c.percent / 100;
  return `<svg role="img" aria-label="compliance ${esc(pct(c))}" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}">
<circle cx="${size / 2}" cy="${size / 2}" r="${r}" fill="none" stroke="#eaeef2" stroke-width="14"/>
<circle cx="${size / 2}" cy="${size / 2}" r="${r}" fill="none" stroke="${scoreColour(c)}" stroke-width="14" stroke-dasharray="${(frac * circ).toFixed(1)} ${circ.toFixed(1)}" transform="rotate(-90 ${size / 2} ${size / 2})"/>
<text x="50%" y="50%" text-anchor="middle" dominant-baseline="central" font-size="${size / 5}" font-weight="600" fill="${scoreColour(c)}">${esc(pct(c))}</text></svg>`;
}

/** A horizontal bar chart as inline SVG. */
function bars(items: { label: string; value: number; colour: string; note?: string }[], ariaLabel: string): string {
  if (items.length === 0) return '<p class="mute">None.</p>';
  const max = Math.max(...items.map((i) => i.value), 1);
  const row = 26;
  const labelW = 210;
  const barW = 300;
  const h = items.length * row + 4;
  const body = items
    .map((it, i) => {
      const y = i * row + 4;
      const w = Math.max(2, Math.round((it.value / max) * barW));
      return `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end" font-size="12">${esc(it.label)}</text>
<rect x="${labelW}" y="${y + 2}" width="${w}" height="16" rx="3" fill="${it.colour}"><title>${esc(`${it.label}: ${it.value}${it.note ? ` (${it.note})` : ''}`)}</title></rect>
<text x="${labelW + w + 6}" y="${y + 14}" font-size="12" fill="#1f2328">${esc(String(it.value))}${it.note ? ` <tspan fill="#57606a">${esc(it.note)}</tspan>` : ''}</text>`;
    })
    .join('\n');
  return `<svg role="img" aria-label="${esc(ariaLabel)}" width="100%" viewBox="0 0 ${labelW + barW + 120} ${h}" preserveAspectRatio="xMinYMin meet">${body}</svg>`;
}

function trendChart(points: { at: string; percent: number }[]): string {
  const w = 560;
  const h = 140;
  const pad = 30;
  const xs = points.map((_, i) => pad + (i * (w - 2 * pad)) / Math.max(1, points.length - 1));
  const ys = points.map((p) => h - pad - (p.percent / 100) * (h - 2 * pad));
  const path = xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${(ys[i] ?? 0).toFixed(1)}`).join(' ');
  const dots = points
    .map(
      (p, i) =>
        `<circle cx="${(xs[i] ?? 0).toFixed(1)}" cy="${(ys[i] ?? 0).toFixed(1)}" r="3" fill="#0969da"><title>${esc(`${p.at}: ${p.percent}%`)}</title></circle>`,
    )
    .join('');
  const first = points[0];
  const last = points[points.length - 1];
  return `<svg role="img" aria-label="compliance trend" width="100%" viewBox="0 0 ${w} ${h}" preserveAspectRatio="xMinYMin meet">
<line x1="${pad}" y1="${h - pad}" x2="${w - pad}" y2="${h - pad}" stroke="#d0d7de"/><line x1="${pad}" y1="${pad}" x2="${w - pad}" y2="${pad}" stroke="#eaeef2"/>
<text x="4" y="${pad + 4}" font-size="10" fill="#57606a">100%</text><text x="10" y="${h - pad + 4}" font-size="10" fill="#57606a">0%</text>
<path d="${path}" fill="none" stroke="#0969da" stroke-width="2"/>${dots}
<text x="${pad}" y="${h - 8}" font-size="10" fill="#57606a">${esc(first?.at.slice(0, 16) ?? '')}</text><text x="${w - pad}" y="${h - 8}" font-size="10" text-anchor="end" fill="#57606a">${esc(last?.at.slice(0, 16) ?? '')}</text></svg>`;
}

function verdictBadge(v: VmStanding): string {
  if (v.verdict === 'compliant') return '<span class="badge b-ok">compliant</span>';
  if (v.verdict === 'exempt')
    return `<span class="badge b-ex">exempt${v.exemptUntil ? ` until ${esc(v.exemptUntil)}` : ''}</span>`;
  return '<span class="badge b-bad">non-compliant</span>';
}

function resultBadge(status: string | undefined): string {
  if (!status) return '<span class="badge b-plan">planned</span>';
  const cls = status === 'succeeded' ? 'b-ok' : status === 'failed' ? 'b-bad' : 'b-warn';
  return `<span class="badge ${cls}">${esc(status)}</span>`;
}

const SEVERITY_COLOUR: Record<string, string> = { high: '#cf222e', medium: '#bc4c00', low: '#9a6700' };

function fixOf(f: Finding, a: Assessment): string {
  if (f.status === 'exempt') return '<span class="badge b-ex">exempt</span>';
  const key = `${f.ruleId}|${f.resourceId.toLowerCase()}`;
  const fixes = a.report.actions.map((x, i) => ({ x, i })).filter(({ x }) => x.resolves.includes(key));
  if (fixes.length)
    return fixes
      .map(({ x, i }) => `<span class="chip">#${i + 1} ${esc(x.kind)}</span> ${resultBadge(x.result?.status)}`)
      .join('<br>');
  const reason = reasonOf(f);
  return reason
    ? `<span class="badge b-warn" title="${esc(reasonMeaning(reason))}">not fixed: ${esc(reason)}</span>`
    : '';
}

const RULE_PHRASE: Record<string, [string, string]> = {
  'vm-unprotected': ['VM has no backup at all', 'VMs have no backup at all'],
  'nsg-blocks-backup-egress': [
    'VM cannot reach backup storage: an NSG rule blocks it',
    'VMs cannot reach backup storage: an NSG rule blocks it',
  ],
  'vm-protection-unhealthy': ['VM has backup stopped or in error', 'VMs have backup stopped or in error'],
  'vault-region-mismatch': [
    'VM is backed up to a vault in another region',
    'VMs are backed up to a vault in another region',
  ],
  'vm-agent-unhealthy': [
    'VM has a guest agent that backup cannot use',
    'VMs have a guest agent that backup cannot use',
  ],
  'vault-redundancy-mismatch': ['vault has the wrong storage redundancy', 'vaults have the wrong storage redundancy'],
  'orphaned-protected-item': [
    'protected item backs up a VM that no longer exists',
    'protected items back up VMs that no longer exist',
  ],
  'vm-backup-failing': ['VM has backups failing or late', 'VMs have backups failing or late'],
  'vm-backup-unsupported': [
    'VM is configured in a way Azure Backup cannot protect',
    'VMs are configured in a way Azure Backup cannot protect',
  ],
  'vm-policy-incompatible': [
    'VM has a backup policy type it cannot use',
    'VMs have a backup policy type they cannot use',
  ],
  'backup-egress-via-appliance': [
    'VM sends backup traffic through a virtual appliance or gateway',
    'VMs send backup traffic through a virtual appliance or gateway',
  ],
  'vault-crr-disabled': [
    'geo-redundant vault has cross-region restore off',
    'geo-redundant vaults have cross-region restore off',
  ],
  'vault-classic-alerts': ['vault still uses classic alerts', 'vaults still use classic alerts'],
  'vault-soft-delete-disabled': ['vault has soft delete off', 'vaults have soft delete off'],
};

/** The three-line story a reader needs first: what is wrong, what warden will do, what is left to a person. */
function headline(a: Assessment): string {
  const open = a.report.findings.filter((f) => f.status === 'open');
  const wrong = RULES.map((r) => ({ r, n: open.filter((f) => f.ruleId === r.id).length }))
    .filter((x) => x.n > 0)
    .sort((x, y) => y.n - x.n)
    .map(
      (x) =>
        `<b>${x.n}</b> ${esc(RULE_PHRASE[x.r.id]?.[x.n === 1 ? 0 : 1] ?? `finding${x.n === 1 ? '' : 's'} of ${x.r.id}`)}`,
    );
  const kinds = new Map<string, number>();
  for (const x of a.report.actions) kinds.set(x.kind, (kinds.get(x.kind) ?? 0) + 1);
  const plan = [...kinds].map(([k, n]) => `${n} ${esc(nounOf(k)[n === 1 ? 0 : 1])}`);
  const projected = projectedScoreOf(a.standings, a.report);
  const applied = a.report.actions.some((x) => x.result);
  const left = open.filter((f) => reasonOf(f));
  const reasons = new Map<string, number>();
  for (const f of left) reasons.set(reasonOf(f) ?? '', (reasons.get(reasonOf(f) ?? '') ?? 0) + 1);
  const nonCompliant = a.standings.filter((v) => v.verdict === 'non-compliant').length;
  return `<ul class="headline">
<li><b>${nonCompliant}</b> of ${a.scorecard.overall.inScope} VMs in scope are non-compliant${wrong.length ? `: ${wrong.join('; ')}.` : '.'}</li>
${a.report.actions.length ? `<li>${applied ? 'warden applied' : 'warden plans'} <b>${a.report.actions.length}</b> changes (${plan.join(', ')})${applied ? '' : `; if they succeed, compliance goes from <b>${esc(pct(a.scorecard.overall))}</b> to <b style="color:${scoreColour(projected)}">${esc(pct(projected))}</b>`}.</li>` : '<li>No change is planned.</li>'}
${left.length ? `<li><b>${left.length}</b> findings need a person: ${[...reasons].map(([r, n]) => `${n} ${esc(r)} (${esc(reasonMeaning(r))})`).join('; ')}.</li>` : ''}
</ul>`;
}

const KNOWN_DETAILS = new Set([
  'blocking',
  'requiredPorts',
  'serviceTag',
  'reason',
  'exemptUntil',
  'region',
  'verdict',
  'blockedShare',
  'decidedBy',
  'addressEvaluation',
  'ports',
  'adminRules',
  'routes',
]);

/** A finding about the network path to backup storage (any rule whose id speaks of egress). */
function isPathFinding(f: Finding): boolean {
  return f.ruleId.includes('egress');
}

/** A list of objects a finding carries (admin rules, routes, ...) as a table of the union of their keys. */
function detailTable(title: string, note: string, value: unknown): string {
  if (!Array.isArray(value) || value.length === 0) return '';
  const rows = value.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null);
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => k !== 'id');
  return `<h3>${esc(title)} <span class="mute">${esc(note)}</span></h3><table class="decides-deny-table"><thead><tr>${keys
    .map((k) => `<th>${esc(k)}</th>`)
    .join('')}</tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr class="decides-deny">${keys.map((k) => `<td class="mono">${esc(typeof r[k] === 'object' ? JSON.stringify(r[k]) : r[k])}</td>`).join('')}</tr>`,
    )
    .join('')}</tbody></table>`;
}

/** The verdict badges of an egress finding: blocked or partly, what decided it, how addresses were evaluated. */
function verdictBadges(f: Finding): string {
  const d = f.details as Record<string, unknown>;
  const out: string[] = [];
  if (d.verdict === 'partially-blocked' && typeof d.blockedShare === 'number')
    out.push(`<span class="badge b-warn">partly blocked: ${esc((d.blockedShare * 100).toFixed(2))}% of flows</span>`);
  else if (typeof d.verdict === 'string') out.push(`<span class="badge b-bad">${esc(d.verdict)}</span>`);
  if (typeof d.decidedBy === 'string') out.push(`<span class="badge b-ex">decided by ${esc(d.decidedBy)}</span>`);
  if (typeof d.addressEvaluation === 'string')
    out.push(`<span class="badge b-ex">addresses: ${esc(d.addressEvaluation)}</span>`);
  return out.join(' ');
}

/** Details a finding carries beyond the ones this report draws (future path kinds included), as a list. */
function otherDetails(f: Finding): string {
  const entries = Object.entries(f.details as Record<string, unknown>).filter(
    ([k, v]) => !KNOWN_DETAILS.has(k) && !(Array.isArray(v) && v.length === 0),
  );
  if (entries.length === 0) return '';
  const show = (v: unknown): string =>
    Array.isArray(v)
      ? `<ol>${v.map((x) => `<li>${show(x)}</li>`).join('')}</ol>`
      : typeof v === 'object' && v !== null
        ? Object.entries(v as Record<string, unknown>)
            .map(
              ([k, x]) =>
                `<span class="mute">${esc(k)}</span> ${typeof x === 'object' && x !== null ? show(x) : `<span class="mono">${esc(x)}</span>`}`,
            )
            .join(' · ')
        : `<span class="mono">${esc(v)}</span>`;
  return `<dl>${entries.map(([k, v]) => `<dt class="mute">${esc(k)}</dt><dd>${show(v)}</dd>`).join('')}</dl>`;
}

function pathCard(vm: VmStanding, paths: EgressExplanation[], f: Finding, names: Record<string, string>): string {
  const sections = paths
    .map((p) => {
      const nsgs = p.nsgs.length
        ? p.nsgs
            .map(
              (n) => `<h3>${esc(n.role)} NSG <span class="mono">${esc(n.nsgName)}</span> <span class="mute">${n.verdicts
                .map((v) => `${v.port}: ${v.allowed ? 'allowed' : 'denied'} by ${v.rule}`)
                .map(esc)
                .join(' · ')}</span></h3>
<table><thead><tr><th>Priority</th><th>Rule</th><th>Access</th><th>Destination</th><th>Ports</th><th>Evaluated</th></tr></thead><tbody>
${n.rules
  .map((r) => {
    const cls = r.planned
      ? 'planned'
      : r.decidesPorts.length
        ? r.access === 'Deny'
          ? 'decides-deny'
          : 'decides-allow'
        : r.matchesPorts.length
          ? ''
          : 'skipped';
    const tag = r.planned
      ? '<span class="badge b-plan">planned by warden</span> '
      : r.decidesPorts.length
        ? `<span class="badge ${r.access === 'Deny' ? 'b-bad' : 'b-ok'}">decides ${r.decidesPorts.join(', ')}</span> `
        : '';
    return `<tr class="${cls}"><td>${esc(r.priority)}</td><td class="mono">${esc(r.name)}${r.isDefault ? ' <span class="mute">(default)</span>' : ''}</td><td>${esc(r.access)}</td><td class="mono">${esc(r.destination || '*')}</td><td class="mono">${esc(r.ports || '*')}</td><td>${tag}${esc(r.why)}</td></tr>`;
  })
  .join('\n')}</tbody></table>`,
            )
            .join('<div class="arrow">then ↓</div>')
        : '<p class="mute">No NSG on the network interface or the subnet.</p>';
      return `<p><span class="mono">${esc(p.networkInterface)}/${esc(p.ipConfiguration)}</span>${p.privateIPAddress ? ` (${esc(p.privateIPAddress)})` : ''}${p.subnet ? ` in subnet <span class="mono">${esc(p.subnet)}</span>` : ''}<span class="arrow">→</span><span class="mono">${esc(p.serviceTag)}</span> TCP ${esc(p.ports.join(', '))}: ${p.allowed ? '<span class="badge b-ok">allowed</span>' : '<span class="badge b-bad">blocked</span>'}</p>${nsgs}`;
    })
    .join('');
  return `<div class="path" id="path-${esc(f.ruleId)}-${esc(vm.name)}"><h3>${esc(vm.name)} <span class="mute">${esc(subscriptionLabel(vm.subscriptionId, names))} / ${esc(vm.resourceGroup)} / ${esc(vm.location)}</span> ${f.status === 'exempt' ? '<span class="badge b-ex">exempt</span>' : ''}</h3>
<p>${verdictBadges(f)} ${esc(f.message)}</p>${reasonOf(f) ? `<p><span class="badge b-warn">not fixed automatically</span> ${esc(reasonMeaning(reasonOf(f) ?? ''))}</p>` : ''}${detailTable('Security admin rules', 'evaluated before the NSGs (Azure Virtual Network Manager)', (f.details as Record<string, unknown>).adminRules)}${sections}${detailTable('Routes', 'where the traffic goes after the NSGs', (f.details as Record<string, unknown>).routes)}${otherDetails(f)}</div>`;
}

function assessmentSections(view: ReportView, a: Assessment, heading: string): string {
  const names = view.subscriptionNames;
  const s = a.report.summary;
  const sc = a.scorecard;
  const byRule = RULES.map((r) => ({
    label: r.id,
    value: a.report.findings.filter((f) => f.ruleId === r.id && f.status === 'open').length,
    colour: SEVERITY_COLOUR[r.severity] ?? '#57606a',
    note: r.severity,
  })).filter((x) => x.value > 0);
  const regionOf = (f: Finding): string =>
    a.standings.find((v) => v.id.toLowerCase() === f.resourceId.toLowerCase())?.location ??
    a.inventory.vault(/^(.*?\/vaults\/[^/]+)/i.exec(f.resourceId)?.[1] ?? f.resourceId)?.location ??
    detailText(f, 'region') ??
    'unknown';
  const regionCounts = new Map<string, number>();
  for (const f of a.report.findings)
    if (f.status === 'open') regionCounts.set(regionOf(f), (regionCounts.get(regionOf(f)) ?? 0) + 1);
  const byRegion = [...regionCounts.entries()]
    .sort(([x], [y]) => x.localeCompare(y))
    .map(([label, value]) => ({ label, value, colour: '#0969da' }));
  const scoreRows = (cells: Record<string, ScoreCell>, label: (k: string) => string): string =>
    Object.entries(cells)
      .sort(([x], [y]) => x.localeCompare(y))
      .map(
        ([k, c]) =>
          `<tr><td>${esc(label(k))}</td><td><b style="color:${scoreColour(c)}">${esc(pct(c))}</b></td><td>${c.compliant} of ${c.inScope}</td><td>${c.exempt}</td></tr>`,
      )
      .join('');
  const subs = [...new Set(a.coverage.map((c) => c.subscriptionId))].sort();
  const regions = [...new Set(a.coverage.map((c) => c.location))].sort();
  const matrix = `<table class="matrix"><thead><tr><th>Region \\ subscription</th>${subs.map((x) => `<th title="${esc(x)}">${esc(subscriptionLabel(x, names))}</th>`).join('')}</tr></thead><tbody>
${regions
  .map(
    (r) =>
      `<tr><th>${esc(r)}</th>${subs
        .map((x) => {
          const c = a.coverage.find((y) => y.location === r && y.subscriptionId === x);
          if (!c) return '<td class="cov-empty">–</td>';
          const cls =
            c.vms === 0
              ? 'cov-empty'
              : c.vaults.length === 0
                ? 'cov-none'
                : c.protectedVms === c.vms
                  ? 'cov-ok'
                  : 'cov-part';
          return `<td class="${cls}"><b>${c.protectedVms}/${c.vms}</b> VMs protected<br><span class="mono">${c.vaults.length ? c.vaults.map(esc).join('<br>') : 'no vault'}</span></td>`;
        })
        .join('')}</tr>`,
  )
  .join('\n')}</tbody></table>`;

  const vmIds = new Set(a.standings.map((v) => v.id.toLowerCase()));
  const vmRows = a.standings
    .map((v) => {
      const prot = v.protection.length
        ? v.protection
            .map(
              (p) =>
                `<span class="mono">${esc(p.vaultName)}</span> · ${esc(p.policyName ?? '?')}<br><span class="mute">${esc(p.protectionState ?? '')}${p.lastBackupStatus ? `, last backup ${esc(p.lastBackupStatus)}` : ''}${p.lastBackupTime ? ` ${esc(p.lastBackupTime)}` : ''}</span>`,
            )
            .join('<br>')
        : '<span class="mute">not protected</span>';
      const findings = v.findings
        .map((f) => {
          const chip = `<span class="chip" title="${esc(f.message)}">${esc(f.ruleId)}</span>`;
          const link = isPathFinding(f) ? `<a href="#path-${esc(f.ruleId)}-${esc(v.name)}">${chip}</a>` : chip;
          return `<div class="fl">${link} <span class="arrow">→</span>${fixOf(f, a)}</div>`;
        })
        .join('');
      const search = [
        v.name,
        v.resourceGroup,
        v.location,
        v.subscriptionId,
        subscriptionLabel(v.subscriptionId, names),
        v.verdict,
        ...v.findings.map((f) => f.ruleId),
        ...v.protection.map((p) => p.vaultName),
      ]
        .join(' ')
        .toLowerCase();
      return `<tr data-verdict="${esc(v.verdict)}" data-search="${esc(search)}"><td>${verdictBadge(v)}</td><td class="nowrap"><b>${esc(v.name)}</b><br><span class="mute">${esc(v.resourceGroup)}</span></td><td>${esc(subscriptionLabel(v.subscriptionId, names))}</td><td>${esc(v.location)}</td><td>${prot}</td><td>${findings || '<span class="mute">none</span>'}</td></tr>`;
    })
    .join('\n');

  const egressFindings = a.report.findings.filter(isPathFinding);
  const paths = egressFindings
    .map((f) => {
      const vm = a.standings.find((v) => v.id.toLowerCase() === f.resourceId.toLowerCase());
      return vm ? pathCard(vm, egressOf(a.inventory, vm.id, a.report, view.config), f, names) : '';
    })
    .join('\n');

  const other = a.report.findings.filter((f) => !vmIds.has(f.resourceId.toLowerCase()));
  const otherTable = other.length
    ? `<table><thead><tr><th>Resource</th><th>Subscription</th><th>Rule</th><th>Finding</th><th>What happens</th></tr></thead><tbody>${other
        .map(
          (f) =>
            `<tr><td class="mono">${esc(shortId(f.resourceId))}</td><td>${esc(subscriptionLabel(subscriptionIdOf(f.resourceId), names))}</td><td><span class="chip">${esc(f.ruleId)}</span></td><td>${esc(f.message)}</td><td>${fixOf(f, a)}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '<p class="mute">None.</p>';

  const applied = a.report.actions.some((x) => x.result);
  const actions = a.report.actions.length
    ? `<table><thead><tr><th>#</th><th>Action</th><th>Target</th><th>Change</th><th>Fixes</th><th>Result</th></tr></thead><tbody>${a.report.actions
        .map(
          (x, i) =>
            `<tr><td>${i + 1}</td><td><span class="chip">${esc(x.kind)}</span></td><td class="mono">${esc(shortId(x.target))}</td><td>${esc(describeAction(x))}</td><td>${x.resolves.length}</td><td>${resultBadge(x.result?.status)}${x.result?.error ? `<br><span class="mono">${esc(x.result.error.code)}</span> ${esc(x.result.error.message)}` : x.result?.detail ? ` <span class="mute">${esc(x.result.detail)}</span>` : ''}</td></tr>`,
        )
        .join(
          '',
        )}</tbody></table>${s.truncated ? `<p><span class="badge b-warn">capped</span> ${s.truncatedActions} more actions are planned beyond maxActions; the next run plans them.</p>` : ''}`
    : '<p class="mute">No action planned.</p>';

  const exempt = a.standings.filter((v) => v.verdict === 'exempt');
  const exemptOther = a.report.findings.filter((f) => f.status === 'exempt' && !vmIds.has(f.resourceId.toLowerCase()));
  const exemptions =
    exempt.length + exemptOther.length
      ? `<table><thead><tr><th>Resource</th><th>Until</th><th>Findings it hides</th></tr></thead><tbody>${exempt
          .map(
            (v) =>
              `<tr><td><b>${esc(v.name)}</b> <span class="mute">${esc(v.resourceGroup)}</span></td><td>${esc(v.exemptUntil ?? 'no end date')}</td><td>${v.findings.map((f) => `<span class="chip">${esc(f.ruleId)}</span>`).join(' ') || '<span class="mute">none</span>'}</td></tr>`,
          )
          .join('')}${exemptOther
          .map(
            (f) =>
              `<tr><td class="mono">${esc(shortId(f.resourceId))}</td><td>${esc(detailText(f, 'exemptUntil') ?? 'no end date')}</td><td><span class="chip">${esc(f.ruleId)}</span></td></tr>`,
          )
          .join(
            '',
          )}</tbody></table><p class="mute">Exempt by the <span class="mono">${esc(view.config.exemptTag)}</span> tag; exempt VMs are outside the score.</p>`
      : '<p class="mute">No exemption is in force.</p>';

  const cov = coverageView(a.report);
  const coverage = cov?.words;
  const subsRead = [...new Set(a.standings.map((v) => v.subscriptionId))];
  const coverageBlock = `<ul>${coverage ? `<li>${esc(coverage)}</li>` : ''}<li>${a.standings.length} VMs read in ${subsRead.length} subscription(s): ${subsRead.map((x) => esc(subscriptionLabel(x, names))).join(', ')}; ${a.report.summary.resources} resources in all</li>
${s.warnings.length ? `<li><span class="badge b-warn">${s.warnings.length} warning(s)</span>: what could not be read or followed<ul>${s.warnings.map((w) => `<li class="mono">${esc(w)}</li>`).join('')}</ul></li>` : '<li>Every reference was followed; no warnings.</li>'}</ul>`;

  return `<section><h2>${esc(heading)}</h2>
${
  coverageView(a.report)?.complete === false
    ? `<div class="headline" style="border-color:#cf222e"><b>Coverage incomplete.</b> This report covers only what could be read, so it cannot say the estate is compliant. Not covered: ${esc((coverageView(a.report)?.gaps ?? []).join('; '))}.</div>`
    : ''
}
${headline(a)}
<div class="cards">
<div class="card">${donut(sc.overall)}</div>
<div class="card"><div class="label">Compliant VMs</div><div class="big">${sc.overall.compliant} <span class="mute" style="font-size:16px">of ${sc.overall.inScope}</span></div><div class="mute">${sc.overall.exempt} exempt, outside the score</div></div>
<div class="card"><div class="label">Open findings</div><div class="big" style="color:${s.open ? '#cf222e' : '#1a7f37'}">${s.open}</div><div class="mute">${s.exempt} exempt</div></div>
<div class="card"><div class="label">${applied ? 'Actions applied' : 'Actions planned'}</div><div class="big">${s.actions}</div><div class="mute">${s.results ? `${s.results.succeeded} succeeded, ${s.results.failed} failed, ${s.results.skipped} skipped` : 'report mode: nothing changed'}</div></div>
</div>
${view.trend && view.trend.length > 1 ? `<h3>Trend (from the findings ledger)</h3><div class="panel">${trendChart(view.trend)}</div>` : ''}
<div class="grid">
<div class="panel"><h3>Score by subscription</h3><table><thead><tr><th>Subscription</th><th>Score</th><th>Compliant</th><th>Exempt</th></tr></thead><tbody>${scoreRows(sc.bySubscription, (k) => subscriptionLabel(k, names))}</tbody></table>
<h3>Score by region</h3><table><thead><tr><th>Region</th><th>Score</th><th>Compliant</th><th>Exempt</th></tr></thead><tbody>${scoreRows(sc.byRegion, (k) => k)}</tbody></table></div>
<div class="panel"><h3>Open findings by rule</h3>${bars(byRule, 'open findings by rule')}<h3>Open findings by region</h3>${bars(byRegion, 'open findings by region')}</div>
</div>
<h2>Vault coverage: region × subscription</h2>${matrix}
<p class="mute">Green: every VM protected. Yellow: a vault exists but some VMs are not protected. Red: VMs and no vault in that region.</p>
<h2>${applied ? 'Actions and their results' : 'What warden will fix'}</h2>${actions}
<h2>Every VM</h2>
<div class="filters"><input id="vm-filter" type="search" placeholder="Filter by name, group, region, rule, vault…" aria-label="filter VMs">
<button type="button" data-verdict="all" class="on">All</button><button type="button" data-verdict="non-compliant">Non-compliant</button><button type="button" data-verdict="compliant">Compliant</button><button type="button" data-verdict="exempt">Exempt</button>
<span id="vm-count" class="mute"></span></div>
<table id="vm-table"><thead><tr><th>Status</th><th>VM</th><th>Subscription</th><th>Region</th><th>Protection (vault · policy)</th><th>Findings → what happens</th></tr></thead><tbody>
${vmRows}
</tbody></table>
<h2>Network paths that block backup (${egressFindings.length})</h2>
<p class="mute">Outbound rules in evaluation order: the NIC's NSG, then the subnet's. The rule that decides is highlighted; a rule warden would add is shown in place.</p>
${paths || '<p class="mute">No NSG blocks backup traffic.</p>'}
<h2>Vaults and protected items</h2>${otherTable}
<h2>Exemptions in force</h2>${exemptions}
<h2>Coverage</h2>${coverageBlock}
</section>`;
}

/** The whole report as one HTML document. */
export function renderHtml(view: ReportView): string {
  const { before, after } = view.review;
  const final = after ?? before;
  const ba = after
    ? `<div class="panel ba">Before → after: <b style="color:${scoreColour(before.scorecard.overall)}">${esc(pct(before.scorecard.overall))}</b> → <b style="color:${scoreColour(after.scorecard.overall)}">${esc(pct(after.scorecard.overall))}</b> compliant; open findings ${before.report.summary.open} → ${after.report.summary.open}; actions ${before.report.summary.results?.succeeded ?? 0} succeeded, ${before.report.summary.results?.failed ?? 0} failed.</div>`
    : '';
  const subs = [...new Set(final.standings.map((v) => v.subscriptionId))];
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(view.title)}: VM backup compliance ${esc(pct(final.scorecard.overall))}</title>
<style>${CSS}</style></head>
<body>
<header><h1>VM backup compliance: <span id="score">${esc(pct(final.scorecard.overall))}</span></h1>
<p>${esc(view.title)} · ${final.scorecard.overall.compliant} of ${final.scorecard.overall.inScope} VMs in scope are compliant · ${subs.length} subscription(s) · generated ${esc(view.generatedAt.toISOString().replace('T', ' ').slice(0, 16))} UTC</p></header>
<main>
${ba}
${after ? assessmentSections(view, after, 'After: the verifying sweep') + assessmentSections(view, before, 'Before, and what was applied') : assessmentSections(view, before, 'Where the estate stands')}
</main>
<footer>backup-warden · compliance = compliant VMs ÷ VMs in scope (exempt VMs excluded) · this file is self-contained and works offline</footer>
<script>${SCRIPT}</script>
</body></html>
`;
}

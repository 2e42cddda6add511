/** `warden explain`: one VM in plain words, from the assessment. */
import type { Assessment } from '../../app/review';
import type { EngineConfig } from '../../core/engine-config';
import { egressOf, reasonMeaning, type EgressExplanation } from '../../core/explain';
import type { VmStanding } from '../../core/score';
import { describeAction, describeResult, detailText, reasonOf, subscriptionLabel, wrap, type Paint } from './common';

/** Everything known about one VM, as data (`--format json`). */
export interface VmExplanationDoc {
  vm: VmStanding;
  egress: EgressExplanation[];
  actions: { index: number; kind: string; target: string; change: string; result?: string }[];
}

/** Gathers the explanation of one VM from an assessment. */
export function explanationOf(a: Assessment, vm: VmStanding, config: EngineConfig): VmExplanationDoc {
  return {
    vm,
    egress: egressOf(a.inventory, vm.id, a.report, config),
    actions: vm.actionIndexes.map((i) => {
      const x = a.report.actions[i];
      return x
        ? {
            index: i + 1,
            kind: x.kind,
            target: x.target,
            change: describeAction(x),
            ...(x.result ? { result: describeResult(x) } : {}),
          }
        : { index: i + 1, kind: '', target: '', change: '' };
    }),
  };
}

/** The explanation as text for a terminal of `width` columns. */
export function renderExplanation(
  doc: VmExplanationDoc,
  names: Record<string, string>,
  p: Paint,
  width: number,
): string {
  const { vm } = doc;
  const w = Math.max(60, width);
  const out: string[] = [];
  const para = (text: string, indent = 2): void => {
    out.push(...wrap(text, w - indent).map((l) => `${' '.repeat(indent)}${l}`));
  };
  const verdict =
    vm.verdict === 'compliant'
      ? p.green('compliant')
      : vm.verdict === 'exempt'
        ? p.dim(`exempt${vm.exemptUntil ? ` until ${vm.exemptUntil}` : ''}`)
        : p.red('non-compliant');
  out.push(`${p.bold(vm.name)}: ${verdict}`);
  para(
    `subscription ${subscriptionLabel(vm.subscriptionId, names)} (${vm.subscriptionId}), resource group ${vm.resourceGroup}, region ${vm.location}${vm.osType ? `, ${vm.osType}` : ''}${vm.powerState ? `, ${vm.powerState.replace(/^PowerState\//, '')}` : ''}`,
  );
  para(vm.id);
  out.push('', p.bold('Protection'));
  if (vm.protection.length === 0) para('No protected item in any vault: Azure Backup does not back this VM up.');
  for (const pr of vm.protection) {
    para(
      `Vault ${pr.vaultName}${pr.vaultLocation ? ` (${pr.vaultLocation})` : ''}, policy ${pr.policyName ?? 'unknown'}, state ${pr.protectionState ?? 'unknown'}; ` +
        `last backup ${pr.lastBackupStatus ?? 'not reported'}${pr.lastBackupTime ? ` at ${pr.lastBackupTime}` : ''}.`,
    );
  }
  out.push('', p.bold('Network path to Azure Backup storage'));
  if (doc.egress.length === 0) para('No network interface of this VM is in the inventory.');
  for (const path of doc.egress) {
    para(
      `${path.networkInterface}/${path.ipConfiguration}${path.privateIPAddress ? ` (${path.privateIPAddress})` : ''}${path.subnet ? ` in subnet ${path.subnet}` : ''} → ${path.serviceTag}, TCP ${path.ports.join(', ')}: ${path.allowed ? p.green('allowed') : p.red('blocked')}`,
    );
    if (path.nsgs.length === 0) para('No NSG on the NIC or the subnet: nothing filters this traffic.', 4);
    for (const nsg of path.nsgs) {
      para(
        `${nsg.role} NSG ${nsg.nsgName}: ${nsg.verdicts.map((v) => `${v.port} ${v.allowed ? 'allowed' : 'denied'} by ${v.rule} (${v.priority})`).join(', ')}`,
        4,
      );
      for (const r of nsg.rules) {
        const mark = r.planned
          ? p.cyan('+ planned')
          : r.decidesPorts.length
            ? p.bold('▶ decides')
            : r.matchesPorts.length
              ? '  matches'
              : '  skipped';
        const line = `${mark} ${String(r.priority).padStart(5)} ${r.access.padEnd(5)} ${r.name} → ${r.destination || '*'}:${r.ports || '*'} (${r.why})`;
        const styled = r.decidesPorts.length
          ? r.access === 'Deny'
            ? p.red(line)
            : p.green(line)
          : r.planned
            ? p.cyan(line)
            : p.dim(line);
        out.push(...wrap(line, w - 6).map((l, i) => `      ${i === 0 ? styled.replace(line, l) : l}`));
      }
    }
  }
  out.push('', p.bold('Findings'));
  if (vm.findings.length === 0) para('None: every rule passes.');
  for (const f of vm.findings) {
    const reason = reasonOf(f);
    para(
      `${f.status === 'exempt' ? p.dim('exempt') : p.red('open')} ${f.ruleId} (${f.severity}): ${f.message}` +
        (f.status === 'exempt'
          ? `; exempt by tag${detailText(f, 'exemptUntil') ? ` until ${detailText(f, 'exemptUntil')}` : ''}`
          : '') +
        (reason ? `; not fixed automatically: ${reasonMeaning(reason)}` : ''),
    );
  }
  out.push('', p.bold('What warden would do'));
  if (doc.actions.length === 0)
    para(
      vm.verdict === 'compliant'
        ? 'Nothing: the VM is compliant.'
        : vm.verdict === 'exempt'
          ? 'Nothing: the VM is exempt.'
          : 'Nothing automatically; the reasons are given with each finding above.',
    );
  for (const x of doc.actions) para(`#${x.index} ${x.kind}: ${x.change}${x.result ? ` → ${x.result}` : ''}`);
  return out.join('\n');
}

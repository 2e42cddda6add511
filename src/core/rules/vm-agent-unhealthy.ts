import { fail, pass, vmRule } from './types';

/** Compares dotted version strings numerically: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/**
 * The VM agent is present and Ready, and on Windows at least 2.6.1198.718 (the seed guide). Report only:
 * the agent can't be installed remotely. Not applicable without an instance view, or while the VM is
 * stopped (a stopped VM's agent can't report Ready).
 */
export const vmAgentUnhealthy = vmRule({
  id: 'vm-agent-unhealthy',
  severity: 'medium',
  subject: 'virtualMachine',
  description: 'The VM guest agent is installed, Ready and recent enough for the backup extension.',
  evaluate: (vm, { config }) => {
    if (vm.vmAgent === undefined) return pass();
    const power = vm.powerState?.toLowerCase();
    if (power && power !== 'powerstate/running') return pass();
    if (vm.vmAgent === null) return fail(`VM '${vm.name}' reports no VM agent`, { reason: 'absent' });
    if (vm.vmAgent.status?.toLowerCase() !== 'ready') {
      return fail(`VM '${vm.name}' agent is '${vm.vmAgent.status ?? 'unknown'}'`, {
        reason: 'not-ready',
        status: vm.vmAgent.status ?? null,
        vmAgentVersion: vm.vmAgent.vmAgentVersion ?? null,
      });
    }
    const version = vm.vmAgent.vmAgentVersion;
    if (
      vm.osType?.toLowerCase() === 'windows' &&
      version &&
      compareVersions(version, config.minWindowsAgentVersion) < 0
    ) {
      return fail(`VM '${vm.name}' agent ${version} is older than ${config.minWindowsAgentVersion}`, {
        reason: 'outdated',
        vmAgentVersion: version,
        minimum: config.minWindowsAgentVersion,
      });
    }
    return pass();
  },
});

import { fail, pass, vaultRule } from './types';

/**
 * A vault alerts through Azure Monitor, not the classic backup alerts retired on 31 March 2026: classic
 * alerts for critical operations are `Disabled`, or Azure Monitor job failure alerts are not `Disabled`
 * (docs/azure-facts.md §10). Report only. Not judged when the row carries no monitoring settings.
 */
export const vaultClassicAlerts = vaultRule({
  id: 'vault-classic-alerts',
  severity: 'low',
  subject: 'vault',
  description: 'The vault uses Azure Monitor alerts, not the retired classic backup alerts.',
  evaluate: (vault) => {
    const classicOn = vault.classicAlerts?.toLowerCase() === 'enabled';
    const monitorOff = vault.azureMonitorJobAlerts?.toLowerCase() === 'disabled';
    if (!classicOn && !monitorOff) return pass();
    return fail(
      `vault '${vault.name}' ${classicOn ? 'still uses classic alerts' : ''}${classicOn && monitorOff ? ' and ' : ''}${monitorOff ? 'has Azure Monitor job failure alerts disabled' : ''}`,
      { classicAlerts: vault.classicAlerts ?? null, azureMonitorJobAlerts: vault.azureMonitorJobAlerts ?? null },
    );
  },
});

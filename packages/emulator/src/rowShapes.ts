/**
 * Fields Azure returns that a seeded estate row may lack, filled in once when the emulator loads the
 * estate (VirtualMachine_Get.json, NetworkInterfaceGet.json, GETVault.json). Values are derived from
 * the resource id, so the same estate always gives the same rows; fields the row has are kept.
 */
import type { Row } from './state';
import { asRecord, isRecord } from './util';

/** FNV-1a of a string, for deterministic derived values. */
function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** A VM's creation time in ARM's form (`2021-06-27T01:02:38.3138469+00:00`), between 2024-01-01 and 2026-01-01. */
export function seededTimeCreated(id: string): string {
  const h = hash32(id.toLowerCase());
  const ms = Date.UTC(2024, 0, 1) + (h % (730 * 86_400)) * 1000;
  const frac = String(hash32(`${id}#frac`) % 10_000_000).padStart(7, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${frac}+00:00`;
}

/** A NIC's MAC address as ARM spells it (`00-0D-3A-1B-C7-21`; 00-0D-3A is Microsoft's Azure prefix). */
export function seededMacAddress(id: string): string {
  const h = hash32(id.toLowerCase());
  const bytes = [0x00, 0x0d, 0x3a, (h >>> 16) & 0xff, (h >>> 8) & 0xff, h & 0xff];
  return bytes.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('-');
}

/** The display name a subscription gets when the estate names none. */
export function defaultSubscriptionName(subscriptionId: string): string {
  return `Subscription ${subscriptionId.slice(0, 8)}`;
}

/** Vault settings GETVault.json shows, with Azure's defaults for a vault created without them. */
function completeVault(row: Row, props: Record<string, unknown>): void {
  props['monitoringSettings'] ??= {
    azureMonitorAlertSettings: {
      alertsForAllJobFailures: 'Enabled',
      alertsForAllReplicationIssues: 'Enabled',
      alertsForAllFailoverIssues: 'Enabled',
    },
    classicAlertSettings: { alertsForCriticalOperations: 'Disabled', emailNotificationsForSiteRecovery: 'Enabled' },
  };
  const security = asRecord(props['securitySettings']) ?? {};
  security['immutabilitySettings'] ??= { state: 'Disabled' };
  security['softDeleteSettings'] ??= {
    softDeleteState: 'Enabled',
    softDeleteRetentionPeriodInDays: 14,
    enhancedSecurityState: 'Enabled',
  };
  security['multiUserAuthorization'] ??= 'Disabled';
  props['securitySettings'] = security;
  if (!isRecord(row['identity'])) row['identity'] = { type: 'None' };
}

/** Fills the fields listed above on a seeded row, by type (lower-case Resource Graph type). */
export function completeSeedRow(row: Row): void {
  const props = asRecord(row['properties']);
  if (!props) return;
  const id = String(row['id']);
  switch (row['type']) {
    case 'microsoft.compute/virtualmachines':
      if (typeof props['timeCreated'] !== 'string') props['timeCreated'] = seededTimeCreated(id);
      if (typeof row['etag'] !== 'string') row['etag'] = '"1"';
      return;
    case 'microsoft.network/networkinterfaces':
      if (typeof props['macAddress'] !== 'string' && isRecord(props['virtualMachine']))
        props['macAddress'] = seededMacAddress(id);
      return;
    case 'microsoft.recoveryservices/vaults':
      completeVault(row, props);
      return;
    default:
      return;
  }
}

import { describe, expect, it } from 'vitest';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/core/engine-config';
import { assess } from '../../../src/core/engine';
import { aVault, vaultId } from '../../fixtures/builders/rows';

const NOW = new Date('2026-12-01T00:00:00Z');

/** A vault row whose `properties.securitySettings.softDeleteSettings` is as given (absent when undefined). */
function aVaultWithSoftDelete(
  name: string,
  softDeleteSettings: Record<string, unknown> | undefined,
  tags: Record<string, string> = {},
) {
  const row = aVault(name, { tags }) as { properties: Record<string, unknown> };
  if (softDeleteSettings === undefined) delete row.properties.securitySettings;
  else row.properties.securitySettings = { softDeleteSettings };
  return row;
}

const findingsOf = (rows: unknown[]) =>
  assess(rows, DEFAULT_ENGINE_CONFIG, NOW).report.findings.filter((f) => f.ruleId === 'vault-soft-delete-disabled');

describe('vault-soft-delete-disabled', () => {
  it('fires for a vault whose soft delete is Disabled, and reports it only', () => {
    const { report } = assess(
      [aVaultWithSoftDelete('rsv-nosd', { softDeleteState: 'Disabled', softDeleteRetentionPeriodInDays: 14 })],
      DEFAULT_ENGINE_CONFIG,
      NOW,
    );
    expect(report.findings.filter((f) => f.ruleId === 'vault-soft-delete-disabled')).toEqual([
      {
        ruleId: 'vault-soft-delete-disabled',
        resourceId: vaultId('rsv-nosd'),
        severity: 'medium',
        status: 'open',
        message: "vault 'rsv-nosd' has soft delete disabled: deleted backup data is purged at once",
        details: { softDeleteState: 'Disabled', reason: 'report-only' },
      },
    ]);
    expect(report.actions).toEqual([]);
  });

  it('reads the state case-insensitively', () => {
    expect(findingsOf([aVaultWithSoftDelete('rsv-nosd', { softDeleteState: 'disabled' })])).toHaveLength(1);
  });

  it('passes a vault whose soft delete is Enabled or AlwaysON', () => {
    expect(findingsOf([aVaultWithSoftDelete('rsv-on', { softDeleteState: 'Enabled' })])).toEqual([]);
    expect(findingsOf([aVaultWithSoftDelete('rsv-always', { softDeleteState: 'AlwaysON' })])).toEqual([]);
  });

  it('does not judge a vault whose row carries no soft delete state', () => {
    expect(findingsOf([aVaultWithSoftDelete('rsv-old', undefined)])).toEqual([]);
    expect(findingsOf([aVaultWithSoftDelete('rsv-partial', { softDeleteRetentionPeriodInDays: 14 })])).toEqual([]);
  });

  it('respects the exemption tag', () => {
    const row = aVaultWithSoftDelete('rsv-nosd', { softDeleteState: 'Disabled' }, { 'backup-exempt': 'true' });
    expect(findingsOf([row]).map((f) => f.status)).toEqual(['exempt']);
  });
});

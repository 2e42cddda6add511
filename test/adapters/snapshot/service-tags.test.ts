/**
 * `plan --snapshot` takes the Service Tag Discovery API's list as one more input file, recognised by its
 * shape, so offline what-if evaluates NSG prefixes exactly.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SnapshotError, readSnapshotFiles } from '../../../src/adapters/snapshot/files';
import { assess } from '../../../src/core/engine';
import { DEFAULT_ENGINE_CONFIG } from '../../../src/core/engine-config';
import { aNetwork, aVm } from '../../fixtures/builders/rows';
import { STORAGE_EASTUS, aPublicCloud } from '../../fixtures/builders/serviceTags';

const dir = mkdtempSync(join(tmpdir(), 'warden-tags-'));
const write = (name: string, doc: unknown): string => {
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(doc));
  return file;
};

describe('snapshot input: service tags', () => {
  const n = aNetwork({
    name: 'cidr',
    subnetRules: [
      { name: 'Deny-Storage-Cidrs', priority: 300, access: 'Deny', protocol: 'Tcp', destinations: STORAGE_EASTUS },
    ],
  });
  const rowsFile = write('rows.json', { data: [...n.rows, ...aVm({ subnetId: n.subnetId })] });

  it('reads the list as one row and evaluates exactly with it', async () => {
    const tagsFile = write('tags.json', aPublicCloud());
    const rows = await readSnapshotFiles([rowsFile, tagsFile]);
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, new Date('2026-12-08T00:00:00Z'));
    const f = report.findings.find((x) => x.ruleId === 'nsg-blocks-backup-egress');
    expect(f?.details).toMatchObject({ addressEvaluation: 'exact', verdict: 'blocked', blockedShare: 1 });
  });

  it('without it, the raw Storage CIDRs are not judged (tag names only) and summary.coverage says why', async () => {
    const rows = await readSnapshotFiles([rowsFile]);
    const { report } = assess(rows, DEFAULT_ENGINE_CONFIG, new Date('2026-12-08T00:00:00Z'));
    expect(report.findings.filter((x) => x.ruleId === 'nsg-blocks-backup-egress')).toEqual([]);
    expect(report.summary.coverage.degraded?.[0]).toMatch(/evaluated by tag name only in eastus/);
  });

  it('an object that is neither rows nor a service tags list is refused, naming the file', async () => {
    const bad = write('bad.json', { type: 'Microsoft.Network/serviceTags', value: [] });
    await expect(readSnapshotFiles([bad])).rejects.toThrow(SnapshotError);
    await expect(readSnapshotFiles([bad])).rejects.toThrow(/bad\.json: .*service tags list/);
  });
});

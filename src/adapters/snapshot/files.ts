/**
 * Exported Resource Graph snapshots: what `az graph query -q "<kql>" --first 1000 -o json` or the REST
 * API returns (an object with `data` rows), or a bare array of rows, possibly split over several files.
 */
import { readFile } from 'node:fs/promises';
import type { InventorySource } from '../../ports';

/** A snapshot file that can't be used at all: not readable, not JSON, or no rows. Exit code 2 in the CLI. */
export class SnapshotError extends Error {
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'SnapshotError';
  }
}

/** Extracts the rows of one parsed snapshot document. */
export function rowsOfSnapshot(doc: unknown, file: string): unknown[] {
  const rows = Array.isArray(doc)
    ? doc
    : typeof doc === 'object' && doc !== null && Array.isArray((doc as { data?: unknown }).data)
      ? (doc as { data: unknown[] }).data
      : undefined;
  if (!rows)
    throw new SnapshotError(
      file,
      'expected a JSON array of rows or an object with a "data" array (az graph query -o json)',
    );
  if (rows.length === 0) throw new SnapshotError(file, 'holds no rows');
  return rows;
}

/** Reads and concatenates the rows of snapshot files, in the order given. */
export async function readSnapshotFiles(files: readonly string[]): Promise<unknown[]> {
  const all: unknown[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      throw new SnapshotError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new SnapshotError(file, `not JSON: ${(e as Error).message}`);
    }
    all.push(...rowsOfSnapshot(doc, file));
  }
  return all;
}

/** An inventory source over snapshot files (scope is ignored: the export already chose it). */
export class SnapshotInventory implements InventorySource {
  constructor(private readonly files: readonly string[]) {}

  /** Reads the files on every call, so a changed export is picked up. */
  fetchRows(): Promise<unknown[]> {
    return readSnapshotFiles(this.files);
  }
}

/**
 * Exported Resource Graph snapshots: what `az graph query -q "<kql>" --first 1000 -o json` or the REST
 * API returns (an object with `data` rows), or a bare array of rows, possibly split over several files; and
 * the Service Tag Discovery API's list, recognised by its shape.
 */
import { readFile } from 'node:fs/promises';
import { isServiceTagsDocument } from '../../core/network/serviceTags';
import type { InventorySource, Scope } from '../../ports';
import { SnapshotShapeError, SnapshotSyntaxError, streamSnapshotRows } from './stream';

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

const SHAPE_EXPECTED =
  'expected a JSON array of rows or an object with a "data" array (az graph query -o json), or a service tags list (az network list-service-tags -o json)';

/** The file's Service Tag Discovery API document, or undefined when the file is something else. */
async function serviceTagsDocumentIn(file: string): Promise<unknown> {
  try {
    const doc: unknown = JSON.parse(await readFile(file, 'utf8'));
    return isServiceTagsDocument(doc) ? doc : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Streams the rows of snapshot files, in the order given, to `onPage` a batch at a time (each file is read
 * row by row, never held whole). A file that can't be read, is not JSON, or holds no rows is a SnapshotError.
 */
export async function eachSnapshotPage(
  files: readonly string[],
  onPage: (rows: readonly unknown[]) => void,
  pageSize = 2000,
): Promise<void> {
  for (const file of files) {
    let count: number;
    try {
      count = await streamSnapshotRows(file, onPage, pageSize);
    } catch (e) {
      if (e instanceof SnapshotShapeError) {
        // Not rows: a service tags list (one document of a few MB) is the one other input, recognised by shape.
        const doc = await serviceTagsDocumentIn(file);
        if (!doc) throw new SnapshotError(file, SHAPE_EXPECTED);
        onPage([doc]);
        continue;
      }
      if (e instanceof SnapshotSyntaxError) throw new SnapshotError(file, `not JSON: ${e.message}`);
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== undefined) throw new SnapshotError(file, `cannot read: ${code}`);
      throw e;
    }
    if (count === 0) throw new SnapshotError(file, 'holds no rows');
  }
}

/** Reads and concatenates the rows of snapshot files, in the order given. */
export async function readSnapshotFiles(files: readonly string[]): Promise<unknown[]> {
  const all: unknown[] = [];
  // One push per row: spreading a file of 50k+ rows into push() overflows the call stack.
  await eachSnapshotPage(files, (rows) => {
    for (const row of rows) all.push(row);
  });
  return all;
}

/** An inventory source over snapshot files (scope is ignored: the export already chose it). */
export class SnapshotInventory implements InventorySource {
  constructor(private readonly files: readonly string[]) {}

  /** Reads the files on every call, so a changed export is picked up. */
  fetchRows(): Promise<unknown[]> {
    return readSnapshotFiles(this.files);
  }

  /** Streams the files' rows page by page, so the caller can build its inventory without holding them all. */
  eachPage(_scope: Scope, onPage: (rows: readonly unknown[]) => void): Promise<void> {
    return eachSnapshotPage(this.files, onPage);
  }
}

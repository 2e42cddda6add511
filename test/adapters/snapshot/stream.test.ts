import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { eachSnapshotPage, readSnapshotFiles, SnapshotError } from '../../../src/adapters/snapshot/files';
import { streamSnapshotRows } from '../../../src/adapters/snapshot/stream';

const dir = mkdtempSync(join(tmpdir(), 'warden-stream-'));
let n = 0;
const file = (text: string): string => {
  const f = join(dir, `s${n++}.json`);
  writeFileSync(f, text);
  return f;
};
const rowsOf = async (text: string, chunkSize?: number): Promise<unknown[]> => {
  const out: unknown[] = [];
  await streamSnapshotRows(file(text), (rows) => out.push(...rows), 3, chunkSize);
  return out;
};

describe('streamSnapshotRows', () => {
  const rows = [
    { id: '/a', name: 'quote " and \\ backslash ] } [ {', n: 1 },
    { id: '/b', tags: { 'x"y': 'z\\' }, list: [1, [2, { a: '}' }]] },
    { id: '/c', unicode: 'ヴ日本 😀' },
    { id: '/d', nothing: null, t: true },
  ];

  it('reads a bare array and an az graph query object, whatever comes before and after data', async () => {
    expect(await rowsOf(JSON.stringify(rows))).toEqual(rows);
    const doc = { count: 4, facets: [], skipToken: 'data', nested: { data: [9] }, data: rows, total_records: 4 };
    expect(await rowsOf(JSON.stringify(doc, null, 2))).toEqual(rows);
    expect(await rowsOf(`\ufeff  ${JSON.stringify({ data: rows })}\n`)).toEqual(rows);
  });

  it('gives the same rows for every chunk size, however the chunks cut strings and escapes', async () => {
    const text = JSON.stringify({ data: rows });
    for (const size of [1, 2, 3, 5, 7, 16]) expect(await rowsOf(text, size)).toEqual(rows);
  });

  it('reads what JSON.parse reads, for any rows', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { maxLength: 8 }),
        fc.integer({ min: 1, max: 9 }),
        async (data, size) => {
          expect(await rowsOf(JSON.stringify({ data }), size)).toEqual(JSON.parse(JSON.stringify(data)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('hands rows over in batches and counts them', async () => {
    const sizes: number[] = [];
    const count = await streamSnapshotRows(file(JSON.stringify(rows)), (b) => sizes.push(b.length), 3);
    expect([count, sizes]).toEqual([4, [3, 1]]);
  });

  it('reads one file of 60,000 rows (spreading them into a call overflows the stack)', async () => {
    const big = Array.from({ length: 60_000 }, (_, i) => ({ id: `/subscriptions/s/vm-${i}` }));
    const read = await readSnapshotFiles([file(JSON.stringify({ data: big }))]);
    expect(read).toHaveLength(60_000);
    expect(read[59_999]).toEqual({ id: '/subscriptions/s/vm-59999' });
  });
});

describe('snapshot errors name the file and what is wrong', () => {
  const bad = async (text: string): Promise<string> => {
    const f = file(text);
    const e = await eachSnapshotPage([f], () => undefined).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(SnapshotError);
    expect((e as SnapshotError).message.startsWith(`${f}: `)).toBe(true);
    return (e as SnapshotError).message.slice(f.length + 2);
  };

  it.each([
    ['', /^not JSON: empty document/],
    ['   ', /^not JSON: empty document/],
    ['"rows"', /^not JSON: expected an array or an object at character 0/],
    ['[]', /^holds no rows$/],
    ['{"data": []}', /^holds no rows$/],
    ['{"rows": [{"id": 1}]}', /^expected a JSON array of rows or an object with a "data" array/],
    ['{"data": {"id": 1}}', /^expected a JSON array of rows or an object with a "data" array/],
    ['[{"id": 1}', /^not JSON: unexpected end of the document/],
    ['[{"id": 1}] x', /^not JSON: unexpected text after the document/],
    ['[{"id": 1} {"id": 2}]', /^not JSON: row 0: /],
    ['[{"id": 1},]', /^not JSON: unexpected ']'/],
    ['[,{"id": 1}]', /^not JSON: unexpected ','/],
    ['[{"id": 1}, {"id": }]', /^not JSON: row 1: /],
    ['{"data": [{"id": "unterminated}]}', /^not JSON: unexpected end of the document/],
  ])('%j', async (text, message) => {
    expect(await bad(text)).toMatch(message);
  });

  it('says when a file cannot be read', async () => {
    const e = await eachSnapshotPage([join(dir, 'missing.json')], () => undefined).catch((err: unknown) => err);
    expect((e as Error).message).toMatch(/missing\.json: cannot read: ENOENT/);
  });
});

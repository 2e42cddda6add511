/**
 * Reads the rows of one snapshot file as a stream: a bare JSON array of rows, or an object whose `data` is
 * the array (`az graph query -o json`). Each row is parsed on its own and handed on in batches, so a file of
 * any size is read without holding its text or its whole parsed tree, and no array is spread into a call.
 */
import { createReadStream } from 'node:fs';

/** Where the scanner is in the document. */
type Mode = 'start' | 'object' | 'rows' | 'after';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** A snapshot file's text is not the shape of a snapshot; `offset` counts characters from the start. */
export class SnapshotSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at character ${offset}`);
    this.name = 'SnapshotSyntaxError';
  }
}

/** The document is JSON but holds no rows array (neither a bare array nor an object with a `data` array). */
export class SnapshotShapeError extends Error {
  constructor() {
    super('expected a JSON array of rows or an object with a "data" array (az graph query -o json)');
    this.name = 'SnapshotShapeError';
  }
}

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Streams the rows of `file` to `onBatch`, `batchSize` rows at a time, in file order, reading `chunkSize`
 * bytes at a time. Returns the number of
 * rows. A row that is not JSON raises a SnapshotSyntaxError naming its position; the batches before it have
 * been delivered.
 */
export async function streamSnapshotRows(
  file: string,
  onBatch: (rows: unknown[]) => void,
  batchSize = 2000,
  chunkSize = 1 << 20,
): Promise<number> {
  let mode: Mode = 'start';
  let depth = 0;
  let inString = false;
  let backslashes = 0; // consecutive backslashes just before the scan position, inside a string
  let rowsDepth = -1; // depth inside the rows array
  let element: string[] | undefined; // the text of the row being read, across chunks
  let elementStart = -1;
  let keyStart = -1; // start of a string at depth 1 of the top-level object
  let keyText = '';
  let lastKey: string | undefined;
  let pendingKey: string | undefined;
  let expectValue = true; // inside the rows array: a row may start here (after '[' or ',')
  let offset = 0; // characters before the current chunk
  let count = 0;
  let first = true;
  let batch: unknown[] = [];

  const flush = (): void => {
    if (batch.length > 0) {
      const full = batch;
      batch = [];
      onBatch(full);
    }
  };
  const finishElement = (chunk: string, end: number): void => {
    if (!element) return;
    if (elementStart >= 0) element.push(chunk.slice(elementStart, end));
    const text = element.join('').trim();
    element = undefined;
    elementStart = -1;
    try {
      batch.push(JSON.parse(text));
    } catch (e) {
      throw new SnapshotSyntaxError(`row ${count}: ${(e as Error).message}`, offset + end);
    }
    count++;
    if (batch.length >= batchSize) flush();
  };

  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: chunkSize });
  for await (const part of stream) {
    let chunk = part as string;
    if (first) {
      first = false;
      if (chunk.charCodeAt(0) === 0xfeff) {
        chunk = chunk.slice(1);
        offset++;
      }
    }
    const n = chunk.length;
    if (element) elementStart = 0;
    if (keyStart >= 0) keyStart = 0;
    let i = 0;
    while (i < n) {
      if (inString) {
        const q = chunk.indexOf('"', i);
        if (q < 0) {
          // The string goes on in the next chunk; remember a trailing run of backslashes.
          let run = 0;
          for (let k = n - 1; k >= i && chunk.charCodeAt(k) === BACKSLASH; k--) run++;
          backslashes = run === n - i ? backslashes + run : run;
          break;
        }
        let run = 0;
        for (let k = q - 1; k >= i && chunk.charCodeAt(k) === BACKSLASH; k--) run++;
        if (run === q - i) run += backslashes;
        backslashes = 0;
        i = q + 1;
        if (run % 2 === 1) continue; // an escaped quote
        inString = false;
        if (keyStart >= 0) {
          keyText += chunk.slice(keyStart, q);
          lastKey = keyText;
          keyStart = -1;
          keyText = '';
        }
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (isSpace(c)) {
        i++;
        continue;
      }
      if (mode === 'start' && c !== OPEN_BRACE && c !== OPEN_BRACKET)
        throw new SnapshotSyntaxError('expected an array or an object', offset + i);
      if (mode === 'after' && depth === 0)
        throw new SnapshotSyntaxError('unexpected text after the document', offset + i);
      if (mode === 'rows' && depth === rowsDepth) {
        if (c === COMMA || c === CLOSE_BRACKET) {
          if (element) finishElement(chunk, i);
          else if (c === COMMA || !expectValue || count > 0)
            throw new SnapshotSyntaxError(`unexpected '${String.fromCharCode(c)}' in the rows array`, offset + i);
          expectValue = c === COMMA;
          if (c === CLOSE_BRACKET) {
            if (expectValue) throw new SnapshotSyntaxError("unexpected ']' after ','", offset + i);
            depth--;
            mode = 'after';
          }
          i++;
          continue;
        }
        if (!element) {
          if (!expectValue) throw new SnapshotSyntaxError("expected ',' between rows", offset + i);
          element = [];
          elementStart = i;
          expectValue = false;
        }
      }
      switch (c) {
        case QUOTE:
          inString = true;
          backslashes = 0;
          if (mode === 'object' && depth === 1) {
            keyStart = i + 1;
            keyText = '';
          }
          break;
        case OPEN_BRACE:
        case OPEN_BRACKET:
          if (mode === 'start') {
            mode = c === OPEN_BRACKET ? 'rows' : 'object';
            if (c === OPEN_BRACKET) rowsDepth = 1;
          } else if (mode === 'object' && depth === 1 && c === OPEN_BRACKET && pendingKey === 'data') {
            mode = 'rows';
            rowsDepth = 2;
            expectValue = true;
          }
          if (mode === 'object' && depth === 1) pendingKey = undefined;
          depth++;
          break;
        case CLOSE_BRACE:
        case CLOSE_BRACKET:
          depth--;
          if (depth < 0) throw new SnapshotSyntaxError(`unexpected '${String.fromCharCode(c)}'`, offset + i);
          if (depth === 0 && mode === 'object') mode = 'after';
          break;
        case COLON:
          if (mode === 'object' && depth === 1) pendingKey = lastKey;
          break;
        case COMMA:
          if (mode === 'object' && depth === 1) pendingKey = undefined;
          break;
        default:
          break;
      }
      i++;
    }
    if (element && elementStart >= 0) element.push(chunk.slice(elementStart));
    if (keyStart >= 0) keyText += chunk.slice(keyStart);
    offset += n;
  }
  if (mode === 'start') throw new SnapshotSyntaxError('empty document', offset);
  if (inString || depth !== 0) throw new SnapshotSyntaxError('unexpected end of the document', offset);
  if (rowsDepth < 0) throw new SnapshotShapeError();
  flush();
  return count;
}

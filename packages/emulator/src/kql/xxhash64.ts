/**
 * XXH64 (seed 0), the hash Kusto's `hash()` uses, over BigInt. Checked against the published
 * XXH64 test vectors and Kusto's documented `hash("World")` in test/emulator/kql-functions.test.ts.
 */
const MASK = (1n << 64n) - 1n;
const P1 = 11400714785074694791n;
const P2 = 14029467366897019727n;
const P3 = 1609587929392839161n;
const P4 = 9650029242287828579n;
const P5 = 2870177450012600261n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK;

function round(acc: bigint, input: bigint): bigint {
  return mul(rotl((acc + mul(input, P2)) & MASK, 31n), P1);
}

function mergeRound(acc: bigint, val: bigint): bigint {
  return (mul(acc ^ round(0n, val), P1) + P4) & MASK;
}

/** The unsigned 64-bit XXH64 hash of the bytes, seed 0. */
export function xxhash64(data: Uint8Array, seed = 0n): bigint {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.byteLength;
  let i = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & MASK;
    let v2 = (seed + P2) & MASK;
    let v3 = seed;
    let v4 = (seed - P1) & MASK;
    while (i + 32 <= len) {
      v1 = round(v1, view.getBigUint64(i, true));
      v2 = round(v2, view.getBigUint64(i + 8, true));
      v3 = round(v3, view.getBigUint64(i + 16, true));
      v4 = round(v4, view.getBigUint64(i + 24, true));
      i += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK;
    h = mergeRound(h, v1);
    h = mergeRound(h, v2);
    h = mergeRound(h, v3);
    h = mergeRound(h, v4);
  } else {
    h = (seed + P5) & MASK;
  }
  h = (h + BigInt(len)) & MASK;
  while (i + 8 <= len) {
    h ^= round(0n, view.getBigUint64(i, true));
    h = (mul(rotl(h, 27n), P1) + P4) & MASK;
    i += 8;
  }
  if (i + 4 <= len) {
    h ^= mul(BigInt(view.getUint32(i, true)), P1);
    h = (mul(rotl(h, 23n), P2) + P3) & MASK;
    i += 4;
  }
  while (i < len) {
    h ^= mul(BigInt(data[i] ?? 0), P5);
    h = mul(rotl(h, 11n), P1);
    i++;
  }
  h ^= h >> 33n;
  h = mul(h, P2);
  h ^= h >> 29n;
  h = mul(h, P3);
  h ^= h >> 32n;
  return h;
}

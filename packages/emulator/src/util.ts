/**
 * Small helpers the emulator shares between its modules: JSON narrowing, ARM id handling, a seeded
 * PRNG. ARM ids are case-insensitive, so every comparison here goes through `normId`.
 */

/** A JSON object as it arrives over the wire, before narrowing. */
export type Json = Record<string, unknown>;

/** True for a plain (non-array, non-null) object. */
export function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value as a string, or undefined when it is not one. */
export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The value as an object, or undefined when it is not one. */
export function asRecord(value: unknown): Json | undefined {
  return isRecord(value) ? value : undefined;
}

/** The value as an array, or an empty array when it is not one. */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** Deep copy of a JSON-compatible value. */
export function clone<T>(value: T): T {
  return structuredClone(value);
}

/** The lower-case form of an ARM id without a trailing slash: ARM compares ids case-insensitively. */
export function normId(id: string): string {
  let out = id.trim().toLowerCase();
  while (out.length > 1 && out.endsWith('/')) out = out.slice(0, -1);
  return out;
}

/** True when `id` is `scope` itself or lies below it, on a segment boundary. */
export function isWithinScope(id: string, scope: string): boolean {
  const a = normId(id);
  const s = normId(scope);
  return a === s || a.startsWith(s + '/');
}

/** The parts of an ARM resource id that the emulator needs. */
export interface ArmIdParts {
  subscriptionId?: string;
  resourceGroup?: string;
  /** Provider namespace, as written in the id. */
  provider?: string;
  /** type/name pairs after the provider, e.g. [['networkSecurityGroups','nsg1'],['securityRules','r1']]. */
  types: [string, string][];
}

/** Splits an ARM id into its subscription, resource group, provider and type/name pairs. */
export function parseArmId(id: string): ArmIdParts {
  const segs = id.split('/').filter((s) => s.length > 0);
  const out: ArmIdParts = { types: [] };
  let i = 0;
  while (i < segs.length) {
    const seg = segs[i] ?? '';
    const next = segs[i + 1];
    const lower = seg.toLowerCase();
    if (lower === 'subscriptions' && next !== undefined && out.subscriptionId === undefined) {
      out.subscriptionId = next;
      i += 2;
    } else if (lower === 'resourcegroups' && next !== undefined && out.resourceGroup === undefined) {
      out.resourceGroup = next;
      i += 2;
    } else if (lower === 'providers' && next !== undefined) {
      out.provider = next;
      i += 2;
      while (i < segs.length) {
        const t = segs[i] ?? '';
        const n = segs[i + 1] ?? '';
        out.types.push([t, n]);
        i += 2;
      }
    } else {
      i += 1;
    }
  }
  return out;
}

/** The last segment of an ARM id (the resource name). */
export function lastSegment(id: string): string {
  const segs = id.split('/').filter((s) => s.length > 0);
  return segs[segs.length - 1] ?? '';
}

/** A small, fast, seedable PRNG (mulberry32): the same seed gives the same sequence. */
export class Prng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  /** A version-4-shaped GUID drawn from this stream. */
  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 32; i++) hex.push(Math.floor(this.next() * 16).toString(16));
    hex[12] = '4';
    hex[16] = ((parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** Lower-case, space-free form of an Azure location ('West US' -> 'westus'), as ARM stores it. */
export function normLocation(location: string): string {
  return location.replace(/\s+/g, '').toLowerCase();
}

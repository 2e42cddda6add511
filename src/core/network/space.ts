/**
 * The space of backup flows to one destination port: destination addresses × client source ports. Rules,
 * admin rules and routes carve it up; what is left allowed or blocked is measured exactly.
 */
import { IntervalSet } from './addresses';

/** A rectangle of flows: every address of `addresses` from every port of `sourcePorts`. */
export interface Cell {
  readonly addresses: IntervalSet;
  readonly sourcePorts: IntervalSet;
}

/** Disjoint cells. */
export type Space = readonly Cell[];

/** The client's source port is ephemeral: 1024–65535 (docs/azure-facts.md §3). */
export const EPHEMERAL_SOURCE_PORTS = IntervalSet.of([[1024, 65535]]);

/** The space of flows to `addresses` from every ephemeral source port. */
export function fullSpace(addresses: IntervalSet): Space {
  return addresses.isEmpty ? [] : [{ addresses, sourcePorts: EPHEMERAL_SOURCE_PORTS }];
}

/** The number of (address, source port) flows in a space. */
export function measure(space: Space): number {
  let n = 0;
  for (const c of space) n += c.addresses.size * c.sourcePorts.size;
  return n;
}

function push(out: Cell[], addresses: IntervalSet, sourcePorts: IntervalSet): void {
  if (!addresses.isEmpty && !sourcePorts.isEmpty) out.push({ addresses, sourcePorts });
}

/** Splits a space into the flows a (addresses × source ports) selector catches and the rest. */
export function split(
  space: Space,
  addresses: IntervalSet,
  sourcePorts: IntervalSet,
): { inside: Cell[]; outside: Cell[] } {
  const inside: Cell[] = [];
  const outside: Cell[] = [];
  for (const c of space) {
    const a = c.addresses.intersect(addresses);
    if (a.isEmpty) {
      outside.push(c);
      continue;
    }
    const s = c.sourcePorts.intersect(sourcePorts);
    push(inside, a, s);
    push(outside, c.addresses.subtract(addresses), c.sourcePorts);
    push(outside, a, c.sourcePorts.subtract(sourcePorts));
  }
  return { inside, outside };
}

/** The flows in both spaces. */
export function intersectSpaces(x: Space, y: Space): Cell[] {
  const out: Cell[] = [];
  for (const a of x)
    for (const b of y) push(out, a.addresses.intersect(b.addresses), a.sourcePorts.intersect(b.sourcePorts));
  return out;
}

/** The flows of `space` whose address is in `addresses`. */
export function restrictAddresses(space: Space, addresses: IntervalSet): Cell[] {
  const out: Cell[] = [];
  for (const c of space) push(out, c.addresses.intersect(addresses), c.sourcePorts);
  return out;
}

/** Exhaustiveness: the default branch of every `switch` over a union calls this. */

/** Fails to compile when a `switch` over a union misses a member; throws if reached with data outside the union. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`unexpected ${what}: ${JSON.stringify(value)}`);
}

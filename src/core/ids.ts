/**
 * ARM resource ids. ARM treats ids case-insensitively, and Resource Graph mixes cases inside one payload
 * (`resourceGroups/RG-App` on a VM, lower case in `sourceResourceId`), so every comparison goes through
 * {@link idKey}. See docs/azure-facts.md §2 (ids arrive in mixed case).
 */

/** The parts of an ARM resource id that backup-warden needs. */
export interface ResourceIdParts {
  subscriptionId: string;
  resourceGroup: string;
  provider: string;
  /** Type segments after the provider, e.g. `['virtualMachines']` or `['vaults', 'backupFabrics', ...]`. */
  types: string[];
  /** Name segments matching `types`. */
  names: string[];
}

/** Raised for a string that is not an ARM resource id; the message says what is wrong with it. */
export class InvalidResourceIdError extends Error {
  constructor(
    readonly resourceId: string,
    reason: string,
  ) {
    super(`invalid resource id '${resourceId}': ${reason}`);
    this.name = 'InvalidResourceIdError';
  }
}

/** The comparison key of an id: lower case, no trailing slash. Two ids are the same resource iff their keys are equal. */
export function idKey(id: string): string {
  // Called for every id of every row and rule: trailing slashes are cut by index, not by a regex, which V8
  // would try at every position of the id.
  const trimmed = id.trim();
  let end = trimmed.length;
  while (end > 0 && trimmed.charCodeAt(end - 1) === 0x2f) end--;
  return (end === trimmed.length ? trimmed : trimmed.slice(0, end)).toLowerCase();
}

/** True when two ARM ids name the same resource. */
export function sameId(a: string | undefined | null, b: string | undefined | null): boolean {
  if (!a || !b) return false;
  return idKey(a) === idKey(b);
}

/**
 * What makes an id unsafe to put in a request path, or undefined when it has none: an empty, `.` or `..`
 * segment (a URL normaliser would turn those into another ARM path), or no leading `/`.
 */
export function unsafeIdReason(id: string): string | undefined {
  if (!id.startsWith('/')) return 'expected it to start with /';
  const segments = id.slice(1).split('/');
  const at = segments.findIndex((s) => s === '' || s === '.' || s === '..');
  if (at < 0) return undefined;
  const bad = segments[at] === '' ? 'an empty segment' : `a '${segments[at] ?? ''}' segment`;
  return `${bad} at position ${at + 1}`;
}

/** Parses `/subscriptions/{s}/resourceGroups/{rg}/providers/{ns}/{type}/{name}[/{type}/{name}...]` strictly. */
export function parseResourceId(id: string): ResourceIdParts {
  const unsafe = unsafeIdReason(id.trim());
  if (unsafe) throw new InvalidResourceIdError(id, unsafe);
  const segments = id
    .trim()
    .replace(/^\/+|\/+$/g, '')
    .split('/');
  if (segments.length < 4 || (segments[0] ?? '').toLowerCase() !== 'subscriptions') {
    throw new InvalidResourceIdError(id, 'expected it to start with /subscriptions/{subscriptionId}');
  }
  const subscriptionId = segments[1] ?? '';
  if (!subscriptionId) throw new InvalidResourceIdError(id, 'empty subscription id');
  if ((segments[2] ?? '').toLowerCase() !== 'resourcegroups' || !segments[3]) {
    throw new InvalidResourceIdError(id, 'expected /resourceGroups/{name} after the subscription');
  }
  const resourceGroup = segments[3];
  if ((segments[4] ?? '').toLowerCase() !== 'providers' || !segments[5]) {
    throw new InvalidResourceIdError(id, 'expected /providers/{namespace} after the resource group');
  }
  const provider = segments[5];
  const rest = segments.slice(6);
  if (rest.length === 0 || rest.length % 2 !== 0 || rest.some((s) => s === '')) {
    throw new InvalidResourceIdError(id, 'expected type/name pairs after the provider namespace');
  }
  const types: string[] = [];
  const names: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    types.push(rest[i] as string);
    names.push(rest[i + 1] as string);
  }
  return { subscriptionId, resourceGroup, provider, types, names };
}

/** Parses an id, or returns undefined when it is not a resource id. */
export function tryParseResourceId(id: string): ResourceIdParts | undefined {
  try {
    return parseResourceId(id);
  } catch {
    return undefined;
  }
}

/** The subscription id of an ARM id (lower case), or undefined. */
export function subscriptionOf(id: string): string | undefined {
  const m = /^\/?subscriptions\/([^/]+)/i.exec(id.trim());
  return m?.[1]?.toLowerCase();
}

/** The full resource type of an id, lower case, e.g. `microsoft.compute/virtualmachines`. */
export function typeOf(id: string): string | undefined {
  const p = tryParseResourceId(id);
  if (!p) return undefined;
  return [p.provider, ...p.types].join('/').toLowerCase();
}

/** The last name segment of an id. */
export function nameOf(id: string): string {
  const parts = id.replace(/\/+$/, '').split('/');
  return parts[parts.length - 1] ?? '';
}

/**
 * The id of the ancestor that has `depth` type/name pairs after the provider. For a protected item id,
 * `ancestorId(id, 1)` is its vault id (Resource Graph has no vaultId column; docs/azure-facts.md §2).
 */
export function ancestorId(id: string, depth: number): string | undefined {
  const p = tryParseResourceId(id);
  if (!p || p.types.length < depth) return undefined;
  const pairs: string[] = [];
  for (let i = 0; i < depth; i++) pairs.push(`${p.types[i]}/${p.names[i]}`);
  return `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/${p.provider}/${pairs.join('/')}`;
}

/** Builds a resource id. */
export function resourceId(
  subscriptionId: string,
  resourceGroup: string,
  provider: string,
  ...typeNamePairs: string[]
): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${provider}/${typeNamePairs.join('/')}`;
}

/**
 * Network: NICs, VNets, subnets, NSGs and security rules (NetworkInterfaceGet.json, VirtualNetworkGet.json,
 * SubnetGet.json, NetworkSecurityGroupGet.json, NetworkSecurityGroupRuleGet/Create.json, the
 * networkSecurityGroup.json OpenAPI). Writes are Azure-AsyncOperation LROs whose status lives at
 * `/subscriptions/{s}/providers/Microsoft.Network/locations/{loc}/operations/{id}`, as the c7n
 * recording of a rule PUT shows. Rules are validated the way the Network provider does.
 */
import { API_VERSIONS, asyncHeaders, bodyObject, operationStatusBody, toArmBody } from '../arm';
import { ArmError, childNotFound, invalidRequestFormat, resourceGroupNotFound, resourceNotFound } from '../errors';
import type { Engine } from '../engine';
import type { Operation } from '../lro';
import type { RequestContext, Route } from '../router';
import { isIpOrCidr, isKnownServiceTag } from '../serviceTags';
import { TYPES, type Row } from '../state';
import { asArray, asRecord, asString, clone, isRecord, normId, normLocation } from '../util';

const NET = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Network';
const V = API_VERSIONS.network;
const LRO_FAILURE = {
  code: 'NetworkingInternalOperationError',
  message: 'An unexpected error occured while processing the network operation. Please retry later.',
};

interface TopLevel {
  /** Lower-case Resource Graph type. */
  type: string;
  /** Path segment, e.g. `networkSecurityGroups`. */
  segment: string;
  /** Route parameter holding the name. */
  param: string;
}

const KINDS = {
  nic: { type: TYPES.nic, segment: 'networkInterfaces', param: 'networkInterfaceName' },
  vnet: { type: TYPES.vnet, segment: 'virtualNetworks', param: 'virtualNetworkName' },
  nsg: { type: TYPES.nsg, segment: 'networkSecurityGroups', param: 'networkSecurityGroupName' },
} as const satisfies Record<string, TopLevel>;

function topId(ctx: RequestContext, kind: TopLevel, name?: string): string {
  const { subscriptionId = '', resourceGroupName = '' } = ctx.params;
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroupName}/providers/Microsoft.Network/${kind.segment}/${name ?? ctx.params[kind.param] ?? ''}`;
}

function findTop(ctx: RequestContext, kind: TopLevel): Row {
  const row = ctx.engine.store.get('Resources', topId(ctx, kind));
  if (!row || row['type'] !== kind.type) {
    throw resourceNotFound(
      'Microsoft.Network',
      kind.segment,
      ctx.params[kind.param] ?? '',
      ctx.params['resourceGroupName'] ?? '',
    );
  }
  return row;
}

function props(row: Row): Record<string, unknown> {
  let p = asRecord(row['properties']);
  if (!p) {
    p = {};
    row['properties'] = p;
  }
  return p;
}

function statusPath(row: Readonly<Row>, op: Operation): string {
  const sub = asString(row['subscriptionId']) ?? '';
  const loc = normLocation(asString(row['location']) ?? 'eastus');
  return `/subscriptions/${sub}/providers/Microsoft.Network/locations/${loc}/operations/${op.id}`;
}

function resultPath(row: Readonly<Row>, op: Operation): string {
  const sub = asString(row['subscriptionId']) ?? '';
  const loc = normLocation(asString(row['location']) ?? 'eastus');
  return `/subscriptions/${sub}/providers/Microsoft.Network/locations/${loc}/operationResults/${op.id}`;
}

/** 429 RetryableErrorDueToAnotherOperation while another write holds the resource (docs/azure-facts.md §3). */
function assertUnlocked(engine: Engine, lockId: string, kind: string): void {
  const running = engine.ops.inFlight(lockId);
  if (!running) return;
  throw new ArmError(
    429,
    'RetryableErrorDueToAnotherOperation',
    `Operation ${kind} (${engine.newId()}) on resource ${lockId} is conflicting with operation ${running.kind} (${running.id}) on resource ${lockId}. Retry the operation later.`,
    undefined,
    { 'Retry-After': '1' },
  );
}

// ---------------------------------------------------------------------------------------------
// Security rules

const DEFAULT_RULES: [string, string, string, string, string, number, string][] = [
  [
    'AllowVnetInBound',
    'Allow inbound traffic from all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Inbound',
  ],
  [
    'AllowAzureLoadBalancerInBound',
    'Allow inbound traffic from azure load balancer',
    'AzureLoadBalancer',
    '*',
    'Allow',
    65001,
    'Inbound',
  ],
  ['DenyAllInBound', 'Deny all inbound traffic', '*', '*', 'Deny', 65500, 'Inbound'],
  [
    'AllowVnetOutBound',
    'Allow outbound traffic from all VMs to all VMs in VNET',
    'VirtualNetwork',
    'VirtualNetwork',
    'Allow',
    65000,
    'Outbound',
  ],
  [
    'AllowInternetOutBound',
    'Allow outbound traffic from all VMs to Internet',
    '*',
    'Internet',
    'Allow',
    65001,
    'Outbound',
  ],
  ['DenyAllOutBound', 'Deny all outbound traffic', '*', '*', 'Deny', 65500, 'Outbound'],
];

/** The six default rules every NSG carries (NetworkSecurityGroupGet.json). */
export function defaultSecurityRules(nsgId: string, etag?: string): Row[] {
  return DEFAULT_RULES.map(([name, description, src, dst, access, priority, direction]) => ({
    name,
    id: `${nsgId}/defaultSecurityRules/${name}`,
    ...(etag ? { etag } : {}),
    type: 'Microsoft.Network/networkSecurityGroups/defaultSecurityRules',
    properties: {
      provisioningState: 'Succeeded',
      description,
      protocol: '*',
      sourcePortRange: '*',
      destinationPortRange: '*',
      sourceAddressPrefix: src,
      destinationAddressPrefix: dst,
      access,
      priority,
      direction,
      sourcePortRanges: [],
      destinationPortRanges: [],
      sourceAddressPrefixes: [],
      destinationAddressPrefixes: [],
    },
  }));
}

function enumValue(p: Record<string, unknown>, key: string, allowed: readonly string[], typeName: string): void {
  const v = p[key];
  if (v === undefined || v === null) {
    throw invalidRequestFormat(`Required property '${key}' not found in JSON. Path 'properties'.`);
  }
  if (typeof v !== 'string' || !allowed.some((a) => a.toLowerCase() === v.toLowerCase())) {
    throw invalidRequestFormat(
      `Error converting value ${JSON.stringify(v)} to type '${typeName}'. Path 'properties.${key}'.`,
    );
  }
}

function checkPort(value: unknown): void {
  const bad = () =>
    new ArmError(
      400,
      'SecurityRuleInvalidPortRange',
      `Security rule has invalid Port range. Value provided: ${String(value)}. Value should be an integer OR integer range with '-' delimiter. Valid range 0-65535.`,
    );
  if (typeof value !== 'string') throw bad();
  if (value === '*') return;
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(value.trim());
  if (!m) throw bad();
  const lo = Number(m[1]);
  const hi = m[2] !== undefined ? Number(m[2]) : lo;
  if (lo > 65535 || hi > 65535 || lo > hi) throw bad();
}

function checkPorts(p: Record<string, unknown>, single: string, plural: string): void {
  const one = p[single];
  const many = asArray(p[plural]);
  if ((one === undefined || one === null || one === '') && many.length === 0) checkPort('');
  if (one !== undefined && one !== null && one !== '') checkPort(one);
  for (const v of many) checkPort(v);
}

function checkPrefixes(p: Record<string, unknown>, ruleId: string, side: 'source' | 'destination'): void {
  const single = `${side}AddressPrefix`;
  const plural = `${side}AddressPrefixes`;
  const asgs = asArray(p[`${side}ApplicationSecurityGroups`]);
  const one = p[single];
  const many = asArray(p[plural]);
  const invalid = (v: unknown) =>
    new ArmError(
      400,
      'SecurityRuleInvalidAddressPrefix',
      `Security rule has invalid Address prefix. Value provided: ${String(v)}`,
    );
  if ((one === undefined || one === null || one === '') && many.length === 0 && asgs.length === 0) throw invalid('');
  if (one !== undefined && one !== null && one !== '') {
    if (typeof one !== 'string') throw invalid(one);
    if (one !== '*' && !isIpOrCidr(one) && !isKnownServiceTag(one)) throw invalid(one);
  }
  for (const v of many) {
    if (typeof v !== 'string') throw invalid(v);
    if (!isIpOrCidr(v)) {
      if (v === '*' || isKnownServiceTag(v)) {
        const label = plural.charAt(0).toUpperCase() + plural.slice(1);
        throw new ArmError(
          400,
          'SecurityRuleParameterContainsUnsupportedValue',
          `Security rule parameter ${label} for rule with Id ${ruleId} cannot specify existing VIRTUALNETWORK, INTERNET, AZURELOADBALANCER, '*' or system tags. Unsupported value used: ${v}.`,
        );
      }
      throw invalid(v);
    }
  }
}

/** Validates a rule the way the Network provider does; returns the properties to store. */
export function validateRule(
  name: string,
  ruleId: string,
  input: unknown,
  others: readonly unknown[],
): Record<string, unknown> {
  const p = clone(asRecord(input) ?? {});
  if (!isRecord(input)) throw invalidRequestFormat(`Required property 'properties' not found in JSON. Path ''.`);
  enumValue(p, 'protocol', ['Tcp', 'Udp', 'Icmp', 'Esp', 'Ah', '*'], 'SecurityRuleProtocol');
  enumValue(p, 'access', ['Allow', 'Deny'], 'SecurityRuleAccess');
  enumValue(p, 'direction', ['Inbound', 'Outbound'], 'SecurityRuleDirection');
  const priority = p['priority'];
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 100 || priority > 4096) {
    throw new ArmError(
      400,
      'SecurityRuleInvalidPriority',
      `Security rule has invalid Priority. Value provided: ${String(priority)} Allowed range 100-4096.`,
    );
  }
  checkPorts(p, 'sourcePortRange', 'sourcePortRanges');
  checkPorts(p, 'destinationPortRange', 'destinationPortRanges');
  checkPrefixes(p, ruleId, 'source');
  checkPrefixes(p, ruleId, 'destination');
  const direction = String(p['direction']).toLowerCase();
  for (const other of others) {
    const o = asRecord(other);
    const oName = asString(o?.['name']);
    const op = asRecord(o?.['properties']);
    if (!oName || !op || oName.toLowerCase() === name.toLowerCase()) continue;
    if (op['priority'] === priority && String(op['direction']).toLowerCase() === direction) {
      throw new ArmError(
        400,
        'SecurityRuleConflict',
        `Security rule ${name} conflicts with rule ${oName}. Rules cannot have the same Priority and Direction. To learn more, see aka.ms/nsgrules.`,
      );
    }
  }
  delete p['provisioningState'];
  for (const k of [
    'sourcePortRanges',
    'destinationPortRanges',
    'sourceAddressPrefixes',
    'destinationAddressPrefixes',
  ]) {
    if (!Array.isArray(p[k])) p[k] = [];
  }
  return p;
}

function nsgBody(row: Readonly<Row>): Record<string, unknown> {
  const body = toArmBody(row);
  const p = asRecord(body['properties']) ?? {};
  if (!Array.isArray(p['securityRules'])) p['securityRules'] = [];
  if (!Array.isArray(p['defaultSecurityRules']))
    p['defaultSecurityRules'] = defaultSecurityRules(String(row['id']), asString(row['etag']));
  if (!p['provisioningState']) p['provisioningState'] = 'Succeeded';
  body['properties'] = p;
  return body;
}

function ruleList(nsg: Row): unknown[] {
  const p = props(nsg);
  if (!Array.isArray(p['securityRules'])) p['securityRules'] = [];
  return p['securityRules'] as unknown[];
}

function findRule(nsg: Row, name: string): Record<string, unknown> | undefined {
  return ruleList(nsg)
    .map(asRecord)
    .find((r) => asString(r?.['name'])?.toLowerCase() === name.toLowerCase());
}

function ruleBody(rule: Record<string, unknown>, nsgEtag?: string): Record<string, unknown> {
  const body = clone(rule);
  // The Network provider gives every rule an etag (a write stamps the NSG's on its rules); seeded rows may lack one.
  if (typeof body['etag'] !== 'string' && nsgEtag !== undefined) body['etag'] = nsgEtag;
  const p = asRecord(body['properties']) ?? {};
  if (!p['provisioningState']) p['provisioningState'] = 'Succeeded';
  body['properties'] = p;
  return body;
}

function getRule(ctx: RequestContext) {
  const nsg = findTop(ctx, KINDS.nsg);
  const name = ctx.params['securityRuleName'] ?? '';
  const rule = findRule(nsg, name);
  if (!rule) throw childNotFound(`${String(nsg['id'])}/securityRules/${name}`);
  return { status: 200, body: ruleBody(rule, asString(nsg['etag'])) };
}

function listRules(ctx: RequestContext) {
  const nsg = findTop(ctx, KINDS.nsg);
  return { status: 200, body: { value: ruleList(nsg).map((r) => ruleBody(asRecord(r) ?? {}, asString(nsg['etag']))) } };
}

function setRuleState(engine: Engine, nsgId: string, ruleName: string, state: string): void {
  const nsg = engine.store.get('Resources', nsgId);
  if (!nsg) return;
  const rule = findRule(nsg, ruleName);
  const rp = asRecord(rule?.['properties']);
  if (rp) rp['provisioningState'] = state;
  props(nsg)['provisioningState'] = 'Succeeded';
  engine.store.put(nsg);
}

function putRule(ctx: RequestContext) {
  const { engine } = ctx;
  const nsg = findTop(ctx, KINDS.nsg);
  const nsgId = String(nsg['id']);
  const name = ctx.params['securityRuleName'] ?? '';
  assertUnlocked(engine, nsgId, 'PutSecurityRuleOperation');
  const body = bodyObject(ctx.body);
  const ruleId = `${nsgId}/securityRules/${name}`;
  const existing = findRule(nsg, name);
  const validated = validateRule(asString(existing?.['name']) ?? name, ruleId, body['properties'], ruleList(nsg));
  const etag = engine.newEtag();
  const rule: Record<string, unknown> = {
    name: asString(existing?.['name']) ?? name,
    id: asString(existing?.['id']) ?? ruleId,
    etag,
    type: 'Microsoft.Network/networkSecurityGroups/securityRules',
    properties: { provisioningState: 'Updating', ...validated },
  };
  const rules = ruleList(nsg);
  const idx = rules.findIndex((r) => asString(asRecord(r)?.['name'])?.toLowerCase() === name.toLowerCase());
  if (idx >= 0) rules[idx] = rule;
  else rules.push(rule);
  nsg['etag'] = etag;
  props(nsg)['provisioningState'] = 'Updating';
  engine.store.put(nsg);
  const ruleName = String(rule['name']);
  const op = engine.startLro({
    kind: 'PutSecurityRuleOperation',
    lockId: nsgId,
    apiVersion: ctx.apiVersion,
    failure: LRO_FAILURE,
    onSucceeded: () => setRuleState(engine, nsgId, ruleName, 'Succeeded'),
    onFailed: () => setRuleState(engine, nsgId, ruleName, 'Failed'),
  });
  return { status: existing ? 200 : 201, body: rule, headers: asyncHeaders(engine, statusPath(nsg, op), op) };
}

function deleteRule(ctx: RequestContext) {
  const { engine } = ctx;
  const nsg = findTop(ctx, KINDS.nsg);
  const nsgId = String(nsg['id']);
  const name = ctx.params['securityRuleName'] ?? '';
  if (!findRule(nsg, name)) return { status: 204 };
  assertUnlocked(engine, nsgId, 'DeleteSecurityRuleOperation');
  const op = engine.startLro({
    kind: 'DeleteSecurityRuleOperation',
    lockId: nsgId,
    apiVersion: ctx.apiVersion,
    failure: LRO_FAILURE,
    onSucceeded: () => {
      const current = engine.store.get('Resources', nsgId);
      if (!current) return;
      const p = props(current);
      p['securityRules'] = ruleList(current).filter(
        (r) => asString(asRecord(r)?.['name'])?.toLowerCase() !== name.toLowerCase(),
      );
      engine.store.put(current);
    },
  });
  return { status: 202, headers: asyncHeaders(engine, statusPath(nsg, op), op, resultPath(nsg, op)) };
}

// ---------------------------------------------------------------------------------------------
// Back-references

/** The `{id}` references of a list, by lower-case id. */
function refKeys(list: unknown): Set<string> {
  return new Set(asArray(list).map((r) => normId(asString(asRecord(r)?.['id']) ?? '')));
}

/** Adds `{id}` references to a list that it does not hold yet (stored references stay first). */
function mergeRefs(list: unknown, ids: readonly string[]): unknown[] {
  const out = asArray(list).slice();
  const have = refKeys(out);
  for (const id of ids) {
    if (have.has(normId(id))) continue;
    have.add(normId(id));
    out.push({ id });
  }
  return out;
}

/** Every ipconfig of the live NICs: its id, its NIC, its subnet. */
function ipConfigurationsOf(engine: Engine): { id: string; nicId: string; subnetId: string | undefined }[] {
  const out: { id: string; nicId: string; subnetId: string | undefined }[] = [];
  for (const nic of engine.store.all('Resources')) {
    if (nic['type'] !== TYPES.nic) continue;
    const nicId = String(nic['id']);
    for (const cfg of asArray(asRecord(nic['properties'])?.['ipConfigurations'])) {
      const c = asRecord(cfg);
      const name = asString(c?.['name']) ?? 'ipconfig1';
      const subnetId = asString(asRecord(asRecord(c?.['properties'])?.['subnet'])?.['id']);
      out.push({ id: asString(c?.['id']) ?? `${nicId}/ipConfigurations/${name}`, nicId, subnetId });
    }
  }
  return out;
}

/**
 * The back-references ARM computes and returns on a GET, derived from the live rows so that seeded and
 * written resources alike carry them: an NSG's `subnets[]` and `networkInterfaces[]`
 * (NetworkSecurityGroupGet.json), a subnet's `ipConfigurations[]` (SubnetGet.json) and a NIC's
 * `virtualMachine` (NetworkInterfaceGet.json). References the row already holds are kept.
 */
function withBackReferences(engine: Engine, type: string, body: Record<string, unknown>): Record<string, unknown> {
  const p = asRecord(body['properties']);
  if (!p) return body;
  const id = normId(asString(body['id']) ?? '');
  const rows = engine.store.all('Resources');
  if (type === TYPES.nsg) {
    const nics = rows
      .filter((r) => r['type'] === TYPES.nic && normId(nsgRef(asRecord(r['properties'])) ?? '') === id)
      .map((r) => String(r['id']));
    const subnets: string[] = [];
    for (const vnet of rows) {
      if (vnet['type'] !== TYPES.vnet) continue;
      for (const sub of asArray(asRecord(vnet['properties'])?.['subnets'])) {
        const sr = asRecord(sub);
        if (normId(nsgRef(asRecord(sr?.['properties'])) ?? '') === id)
          subnets.push(asString(sr?.['id']) ?? `${String(vnet['id'])}/subnets/${asString(sr?.['name']) ?? ''}`);
      }
    }
    if (nics.length > 0 || p['networkInterfaces'] !== undefined)
      p['networkInterfaces'] = mergeRefs(p['networkInterfaces'], nics);
    if (subnets.length > 0 || p['subnets'] !== undefined) p['subnets'] = mergeRefs(p['subnets'], subnets);
  } else if (type === TYPES.vnet) {
    const configs = ipConfigurationsOf(engine);
    for (const sub of asArray(p['subnets'])) {
      const sp = asRecord(asRecord(sub)?.['properties']);
      if (sp) addSubnetIpConfigurations(sp, asString(asRecord(sub)?.['id']) ?? '', configs);
    }
  } else if (type === TYPES.nic && !asRecord(p['virtualMachine'])) {
    const vm = rows.find(
      (r) =>
        r['type'] === TYPES.vm &&
        refKeys(asRecord(asRecord(r['properties'])?.['networkProfile'])?.['networkInterfaces']).has(id),
    );
    if (vm) p['virtualMachine'] = { id: String(vm['id']) };
  }
  return body;
}

/** Adds to a subnet's properties the ipconfigs of the NICs in it (`ipConfigurations[]`, ids only, as ARM returns them). */
function addSubnetIpConfigurations(
  sp: Record<string, unknown>,
  subnetId: string,
  configs: ReturnType<typeof ipConfigurationsOf>,
): void {
  const ids = configs.filter((c) => c.subnetId && normId(c.subnetId) === normId(subnetId)).map((c) => c.id);
  if (ids.length > 0 || sp['ipConfigurations'] !== undefined)
    sp['ipConfigurations'] = mergeRefs(sp['ipConfigurations'], ids);
}

// ---------------------------------------------------------------------------------------------
// Top-level resources

function getTop(kind: TopLevel) {
  return (ctx: RequestContext) => {
    const row = findTop(ctx, kind);
    if (kind.type === TYPES.nsg) return { status: 200, body: withBackReferences(ctx.engine, kind.type, nsgBody(row)) };
    const body = toArmBody(row);
    const p = asRecord(body['properties']) ?? {};
    if (!p['provisioningState']) p['provisioningState'] = 'Succeeded';
    body['properties'] = p;
    return { status: 200, body: withBackReferences(ctx.engine, kind.type, body) };
  };
}

function listTop(kind: TopLevel) {
  return (ctx: RequestContext) => {
    const sub = (ctx.params['subscriptionId'] ?? '').toLowerCase();
    const rg = ctx.params['resourceGroupName']?.toLowerCase();
    const value = ctx.engine.store
      .all('Resources')
      .filter((r) => r['type'] === kind.type)
      .filter((r) => (asString(r['subscriptionId']) ?? '').toLowerCase() === sub)
      .filter((r) => rg === undefined || asString(r['resourceGroup']) === rg)
      .map((r) => withBackReferences(ctx.engine, kind.type, kind.type === TYPES.nsg ? nsgBody(r) : toArmBody(r)));
    return { status: 200, body: { value } };
  };
}

/** Keeps an NSG's back-references (`properties.subnets[]` / `networkInterfaces[]`) in step with a write. */
function relinkNsg(
  engine: Engine,
  list: 'subnets' | 'networkInterfaces',
  childId: string,
  oldNsg: string | undefined,
  newNsg: string | undefined,
): void {
  if (oldNsg && newNsg && normId(oldNsg) === normId(newNsg)) return;
  if (oldNsg) {
    const row = engine.store.get('Resources', oldNsg);
    if (row) {
      const p = props(row);
      p[list] = asArray(p[list]).filter((r) => normId(asString(asRecord(r)?.['id']) ?? '') !== normId(childId));
      engine.store.put(row);
    }
  }
  if (newNsg) {
    const row = engine.store.get('Resources', newNsg);
    if (row) {
      const p = props(row);
      const refs = asArray(p[list]);
      if (!refs.some((r) => normId(asString(asRecord(r)?.['id']) ?? '') === normId(childId)))
        refs.push({ id: childId });
      p[list] = refs;
      engine.store.put(row);
    }
  }
}

function nsgRef(p: Record<string, unknown> | undefined): string | undefined {
  return asString(asRecord(p?.['networkSecurityGroup'])?.['id']);
}

function setTopState(engine: Engine, id: string, state: string): void {
  const row = engine.store.get('Resources', id);
  if (!row) return;
  const p = props(row);
  p['provisioningState'] = state;
  for (const sub of asArray(p['subnets'])) {
    const sp = asRecord(asRecord(sub)?.['properties']);
    if (sp && sp['provisioningState'] === 'Updating') sp['provisioningState'] = state;
  }
  for (const rule of asArray(p['securityRules'])) {
    const rp = asRecord(asRecord(rule)?.['properties']);
    if (rp && rp['provisioningState'] === 'Updating') rp['provisioningState'] = state;
  }
  engine.store.put(row);
}

function putTop(kind: TopLevel) {
  return (ctx: RequestContext) => {
    const { engine } = ctx;
    const { subscriptionId = '', resourceGroupName = '' } = ctx.params;
    const name = ctx.params[kind.param] ?? '';
    if (!/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,78}[a-zA-Z0-9_]$|^[a-zA-Z0-9]$/.test(name)) {
      throw new ArmError(
        400,
        'InvalidResourceName',
        `Resource name ${name} is invalid. The name can be up to 80 characters long. It must begin with a word character, and it must end with a word character or with '_'. The name may contain word characters or '.', '-', '_'.`,
      );
    }
    const rg = engine.store.getResourceGroup(subscriptionId, resourceGroupName);
    if (!rg) throw resourceGroupNotFound(resourceGroupName);
    const body = bodyObject(ctx.body);
    const location = asString(body['location']);
    if (!location)
      throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
    const id = topId(ctx, kind, name).replace(
      `/resourceGroups/${resourceGroupName}/`,
      `/resourceGroups/${String(rg['name'])}/`,
    );
    const existing = engine.store.get('Resources', id);
    if (existing && existing['type'] !== kind.type)
      throw new ArmError(409, 'Conflict', `A resource with id '${id}' already exists.`);
    assertUnlocked(engine, id, `Put${kind.segment}Operation`);
    const etag = engine.newEtag();
    const p = clone(asRecord(body['properties']) ?? {});
    delete p['provisioningState'];
    const oldProps = asRecord(existing?.['properties']);
    p['resourceGuid'] = asString(oldProps?.['resourceGuid']) ?? engine.newId();
    if (kind.type === TYPES.nsg) {
      const rules = asArray(p['securityRules']);
      const stored: Record<string, unknown>[] = [];
      for (const r of rules) {
        const rr = asRecord(r) ?? {};
        const rname = asString(rr['name']) ?? '';
        const validated = validateRule(rname, `${id}/securityRules/${rname}`, rr['properties'], stored);
        stored.push({
          name: rname,
          id: `${id}/securityRules/${rname}`,
          etag,
          type: 'Microsoft.Network/networkSecurityGroups/securityRules',
          properties: { provisioningState: 'Updating', ...validated },
        });
      }
      p['securityRules'] = stored;
      p['defaultSecurityRules'] = defaultSecurityRules(id, etag);
      for (const k of ['subnets', 'networkInterfaces']) if (oldProps && oldProps[k] !== undefined) p[k] = oldProps[k];
    }
    if (kind.type === TYPES.vnet) {
      p['subnets'] = asArray(p['subnets']).map((s) => {
        const sr = clone(asRecord(s) ?? {});
        const sname = asString(sr['name']) ?? '';
        const sp = asRecord(sr['properties']) ?? {};
        sp['provisioningState'] = 'Updating';
        return {
          name: sname,
          id: `${id}/subnets/${sname}`,
          etag,
          type: 'Microsoft.Network/virtualNetworks/subnets',
          properties: sp,
        };
      });
    }
    if (kind.type === TYPES.nic) {
      p['ipConfigurations'] = asArray(p['ipConfigurations']).map((c) => {
        const cr = clone(asRecord(c) ?? {});
        const cname = asString(cr['name']) ?? 'ipconfig1';
        const cp = asRecord(cr['properties']) ?? {};
        cp['provisioningState'] = 'Succeeded';
        return {
          name: cname,
          id: `${id}/ipConfigurations/${cname}`,
          etag,
          type: 'Microsoft.Network/networkInterfaces/ipConfigurations',
          properties: cp,
        };
      });
      relinkNsg(engine, 'networkInterfaces', id, nsgRef(oldProps), nsgRef(p));
    }
    p['provisioningState'] = 'Updating';
    const row: Row = {
      ...(existing ?? {}),
      id: existing ? existing['id'] : id,
      name: existing ? existing['name'] : name,
      type: kind.type,
      tenantId: engine.store.tenantOf(subscriptionId),
      location: normLocation(location),
      resourceGroup: resourceGroupName.toLowerCase(),
      subscriptionId,
      etag,
      tags: asRecord(body['tags']) ?? {},
      properties: p,
    };
    engine.store.put(row);
    const rowId = String(row['id']);
    const op = engine.startLro({
      kind: `Put${kind.segment}Operation`,
      lockId: rowId,
      apiVersion: ctx.apiVersion,
      failure: LRO_FAILURE,
      onSucceeded: () => setTopState(engine, rowId, 'Succeeded'),
      onFailed: () => setTopState(engine, rowId, 'Failed'),
    });
    const out = kind.type === TYPES.nsg ? nsgBody(row) : toArmBody(row);
    return { status: existing ? 200 : 201, body: out, headers: asyncHeaders(engine, statusPath(row, op), op) };
  };
}

// ---------------------------------------------------------------------------------------------
// Subnets

function findSubnet(vnet: Row, name: string): Record<string, unknown> | undefined {
  return asArray(props(vnet)['subnets'])
    .map(asRecord)
    .find((s) => asString(s?.['name'])?.toLowerCase() === name.toLowerCase());
}

function subnetBody(subnet: Record<string, unknown>): Record<string, unknown> {
  const body = clone(subnet);
  const p = asRecord(body['properties']) ?? {};
  if (!p['provisioningState']) p['provisioningState'] = 'Succeeded';
  body['properties'] = p;
  return body;
}

function subnetBodyWithRefs(
  subnet: Record<string, unknown>,
  configs: ReturnType<typeof ipConfigurationsOf>,
): Record<string, unknown> {
  const body = subnetBody(subnet);
  addSubnetIpConfigurations(asRecord(body['properties']) ?? {}, asString(body['id']) ?? '', configs);
  return body;
}

function getSubnet(ctx: RequestContext) {
  const vnet = findTop(ctx, KINDS.vnet);
  const name = ctx.params['subnetName'] ?? '';
  const subnet = findSubnet(vnet, name);
  if (!subnet) throw childNotFound(`${String(vnet['id'])}/subnets/${name}`);
  return { status: 200, body: subnetBodyWithRefs(subnet, ipConfigurationsOf(ctx.engine)) };
}

function listSubnets(ctx: RequestContext) {
  const vnet = findTop(ctx, KINDS.vnet);
  const configs = ipConfigurationsOf(ctx.engine);
  return {
    status: 200,
    body: { value: asArray(props(vnet)['subnets']).map((s) => subnetBodyWithRefs(asRecord(s) ?? {}, configs)) },
  };
}

function putSubnet(ctx: RequestContext) {
  const { engine } = ctx;
  const vnet = findTop(ctx, KINDS.vnet);
  const vnetId = String(vnet['id']);
  const name = ctx.params['subnetName'] ?? '';
  assertUnlocked(engine, vnetId, 'PutSubnetOperation');
  const body = bodyObject(ctx.body);
  const p = clone(asRecord(body['properties']) ?? {});
  if (typeof p['addressPrefix'] !== 'string' && asArray(p['addressPrefixes']).length === 0) {
    throw new ArmError(400, 'InvalidRequestFormat', 'Cannot parse the request.', [
      { code: 'MissingJsonReferenceId', message: `Subnet ${name} must have an addressPrefix or addressPrefixes.` },
    ]);
  }
  const existing = findSubnet(vnet, name);
  const subnetId = asString(existing?.['id']) ?? `${vnetId}/subnets/${name}`;
  const oldNsg = nsgRef(asRecord(existing?.['properties']));
  const etag = engine.newEtag();
  delete p['provisioningState'];
  const subnet: Record<string, unknown> = {
    name: asString(existing?.['name']) ?? name,
    id: subnetId,
    etag,
    type: 'Microsoft.Network/virtualNetworks/subnets',
    properties: { provisioningState: 'Updating', ...p },
  };
  const vp = props(vnet);
  const subnets = asArray(vp['subnets']);
  const idx = subnets.findIndex((s) => asString(asRecord(s)?.['name'])?.toLowerCase() === name.toLowerCase());
  if (idx >= 0) subnets[idx] = subnet;
  else subnets.push(subnet);
  vp['subnets'] = subnets;
  vnet['etag'] = etag;
  engine.store.put(vnet);
  relinkNsg(engine, 'subnets', subnetId, oldNsg, nsgRef(p));
  const op = engine.startLro({
    kind: 'PutSubnetOperation',
    lockId: vnetId,
    apiVersion: ctx.apiVersion,
    failure: LRO_FAILURE,
    onSucceeded: () => setTopState(engine, vnetId, 'Succeeded'),
    onFailed: () => setTopState(engine, vnetId, 'Failed'),
  });
  return { status: existing ? 200 : 201, body: subnet, headers: asyncHeaders(engine, statusPath(vnet, op), op) };
}

// ---------------------------------------------------------------------------------------------
// Async operations

function networkOp(ctx: RequestContext): Operation {
  const opId = ctx.params['operationId'] ?? '';
  const op = ctx.engine.ops.poll(opId);
  if (!op || !op.lockId.includes('/providers/microsoft.network/')) {
    throw new ArmError(404, 'NotFound', `Operation ${opId} not found.`);
  }
  return op;
}

function getOperation(ctx: RequestContext) {
  const op = networkOp(ctx);
  return {
    status: 200,
    body: operationStatusBody(op),
    headers: op.status === 'InProgress' ? { 'Retry-After': ctx.engine.retryAfter() } : {},
  };
}

function getOperationResult(ctx: RequestContext) {
  const op = networkOp(ctx);
  if (op.status === 'InProgress') {
    return {
      status: 202,
      headers: { Location: ctx.engine.url(ctx.path, ctx.apiVersion), 'Retry-After': ctx.engine.retryAfter() },
    };
  }
  if (op.status === 'Failed')
    throw new ArmError(500, op.error?.code ?? 'InternalServerError', op.error?.message ?? 'The operation failed.');
  return { status: 204 };
}

function routesFor(kind: TopLevel): Route[] {
  const base = `${NET}/${kind.segment}/{${kind.param}}`;
  const action = `Microsoft.Network/${kind.segment}`;
  return [
    { method: 'GET', pattern: base, apiVersions: V, action: `${action}/read`, handler: getTop(kind) },
    { method: 'PUT', pattern: base, apiVersions: V, action: `${action}/write`, handler: putTop(kind) },
    {
      method: 'GET',
      pattern: `${NET}/${kind.segment}`,
      apiVersions: V,
      action: `${action}/read`,
      handler: listTop(kind),
    },
    {
      method: 'GET',
      pattern: `/subscriptions/{subscriptionId}/providers/Microsoft.Network/${kind.segment}`,
      apiVersions: V,
      action: `${action}/read`,
      handler: listTop(kind),
    },
  ];
}

const RULE = `${NET}/networkSecurityGroups/{networkSecurityGroupName}/securityRules/{securityRuleName}`;
const SUBNET = `${NET}/virtualNetworks/{virtualNetworkName}/subnets/{subnetName}`;

/** Network routes. */
export const networkRoutes: Route[] = [
  ...routesFor(KINDS.nic),
  ...routesFor(KINDS.vnet),
  ...routesFor(KINDS.nsg),
  {
    method: 'GET',
    pattern: RULE,
    apiVersions: V,
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/read',
    handler: getRule,
  },
  {
    method: 'PUT',
    pattern: RULE,
    apiVersions: V,
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/write',
    handler: putRule,
  },
  {
    method: 'DELETE',
    pattern: RULE,
    apiVersions: V,
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/delete',
    handler: deleteRule,
  },
  {
    method: 'GET',
    pattern: `${NET}/networkSecurityGroups/{networkSecurityGroupName}/securityRules`,
    apiVersions: V,
    action: 'Microsoft.Network/networkSecurityGroups/securityRules/read',
    handler: listRules,
  },
  {
    method: 'GET',
    pattern: SUBNET,
    apiVersions: V,
    action: 'Microsoft.Network/virtualNetworks/subnets/read',
    handler: getSubnet,
  },
  {
    method: 'PUT',
    pattern: SUBNET,
    apiVersions: V,
    action: 'Microsoft.Network/virtualNetworks/subnets/write',
    handler: putSubnet,
  },
  {
    method: 'GET',
    pattern: `${NET}/virtualNetworks/{virtualNetworkName}/subnets`,
    apiVersions: V,
    action: 'Microsoft.Network/virtualNetworks/subnets/read',
    handler: listSubnets,
  },
  {
    method: 'GET',
    pattern:
      '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operations/{operationId}',
    apiVersions: V,
    action: 'Microsoft.Network/locations/operations/read',
    handler: getOperation,
  },
  {
    method: 'GET',
    pattern:
      '/subscriptions/{subscriptionId}/providers/Microsoft.Network/locations/{location}/operationResults/{operationId}',
    apiVersions: V,
    action: 'Microsoft.Network/locations/operationResults/read',
    handler: getOperationResult,
  },
];

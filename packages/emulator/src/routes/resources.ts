/**
 * Resource groups (@azure/arm-resources 8: resourceGroups.get / checkExistence / createOrUpdate / list).
 * Groups exist implicitly for every estate row's group, plus those created here.
 */
import { API_VERSIONS, bodyObject } from '../arm';
import { ArmError, resourceGroupNotFound } from '../errors';
import type { RequestContext, Route } from '../router';
import type { Row } from '../state';
import { asRecord, asString, normId, normLocation } from '../util';

const RG_NAME = /^[-\w._()]{1,90}$/u;

/** The ARM body of a resource group row. */
function groupBody(row: Readonly<Row>): Record<string, unknown> {
  const tags = asRecord(row['tags']);
  return {
    id: row['id'],
    name: row['name'],
    type: 'Microsoft.Resources/resourceGroups',
    location: row['location'],
    ...(tags && Object.keys(tags).length > 0 ? { tags } : {}),
    properties: { provisioningState: 'Succeeded' },
  };
}

function getGroup(ctx: RequestContext) {
  const { subscriptionId = '', resourceGroupName = '' } = ctx.params;
  const row = ctx.engine.store.getResourceGroup(subscriptionId, resourceGroupName);
  if (!row) throw resourceGroupNotFound(resourceGroupName);
  return { status: 200, body: groupBody(row) };
}

function headGroup(ctx: RequestContext) {
  const { subscriptionId = '', resourceGroupName = '' } = ctx.params;
  return { status: ctx.engine.store.getResourceGroup(subscriptionId, resourceGroupName) ? 204 : 404 };
}

function putGroup(ctx: RequestContext) {
  const { subscriptionId = '', resourceGroupName = '' } = ctx.params;
  if (!RG_NAME.test(resourceGroupName) || resourceGroupName.endsWith('.')) {
    throw new ArmError(
      400,
      'InvalidResourceGroup',
      `The provided resource group name '${resourceGroupName}' has these invalid characters: '${resourceGroupName}'. The name can only be a letter, digit, '-', '.', '(', ')' or '_'.`,
    );
  }
  const body = bodyObject(ctx.body);
  const location = asString(body['location']);
  if (!location) {
    throw new ArmError(400, 'LocationRequired', 'The location property is required for this definition.');
  }
  const existing = ctx.engine.store.getResourceGroup(subscriptionId, resourceGroupName);
  if (existing && normLocation(String(existing['location'])) !== normLocation(location)) {
    throw new ArmError(
      409,
      'InvalidResourceGroupLocation',
      `Invalid resource group location '${normLocation(location)}'. The Resource group already exists in location '${String(existing['location'])}'.`,
    );
  }
  const row = ctx.engine.store.putResourceGroup(
    subscriptionId,
    existing ? String(existing['name']) : resourceGroupName,
    normLocation(location),
    body['tags'],
  );
  return { status: existing ? 200 : 201, body: groupBody(row) };
}

function listGroups(ctx: RequestContext) {
  const sub = normId(ctx.params['subscriptionId'] ?? '');
  const value = ctx.engine.store
    .all('ResourceContainers')
    .filter((r) => r['type'] === 'microsoft.resources/subscriptions/resourcegroups')
    .filter((r) => (asString(r['subscriptionId']) ?? '').toLowerCase() === sub)
    .map(groupBody);
  return { status: 200, body: { value } };
}

const RG = '/subscriptions/{subscriptionId}/resourcegroups/{resourceGroupName}';

/** Resource group routes. */
export const resourceRoutes: Route[] = [
  {
    method: 'GET',
    pattern: RG,
    apiVersions: API_VERSIONS.resources,
    action: 'Microsoft.Resources/subscriptions/resourceGroups/read',
    handler: getGroup,
  },
  {
    method: 'HEAD',
    pattern: RG,
    apiVersions: API_VERSIONS.resources,
    action: 'Microsoft.Resources/subscriptions/resourceGroups/read',
    handler: headGroup,
  },
  {
    method: 'PUT',
    pattern: RG,
    apiVersions: API_VERSIONS.resources,
    action: 'Microsoft.Resources/subscriptions/resourceGroups/write',
    handler: putGroup,
  },
  {
    method: 'GET',
    pattern: '/subscriptions/{subscriptionId}/resourcegroups',
    apiVersions: API_VERSIONS.resources,
    action: 'Microsoft.Resources/subscriptions/resourceGroups/read',
    handler: listGroups,
  },
];

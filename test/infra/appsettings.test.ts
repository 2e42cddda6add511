/**
 * The Function App's app settings in Bicep are exactly what the app reads (src/config.ts SETTINGS and
 * OTHER_ENV) plus the one platform key the Functions host needs for identity-based storage; their
 * defaults are the app's; and the Flex Consumption site is configured as the platform requires.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, OTHER_ENV, SETTINGS } from '../../src/config';
import { at, decorator, evaluate, isResolved, Unresolved, type BicepValue, type Binding } from './bicep';
import { calledScope, defaultScope, exprAt, onlyResource, read, ROOT, template, valueAt, varExpr } from './templates';

/** Keys the platform reads that the app does not, and why they are set. */
const ALLOWED_PLATFORM_KEYS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__credential: "read by the Functions host: 'managedidentity' makes AzureWebJobsStorage identity-based (with __clientId for the user-assigned identity)",
};

/** Settings that must never be set: a storage connection string carries a key, and Flex Consumption rejects the others. */
const FORBIDDEN_KEYS = ['AzureWebJobsStorage', 'FUNCTIONS_WORKER_RUNTIME', 'FUNCTIONS_EXTENSION_VERSION', 'WEBSITE_RUN_FROM_PACKAGE', 'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING', 'WEBSITE_CONTENTSHARE', 'WEBSITE_NODE_DEFAULT_VERSION', 'SCM_DO_BUILD_DURING_DEPLOYMENT', 'APPINSIGHTS_INSTRUMENTATIONKEY'];

const WARDEN_KEYS = Object.values(SETTINGS).map((s) => s.env).sort();
const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> };

const main = template('infra/main.bicep');

/** The site's app settings with main.bicep's parameters bound (defaults unless given). */
function appSettings(mainParams: Record<string, BicepValue> = {}): { name: string; value: BicepValue }[] {
  const bindings: Record<string, Binding> = Object.fromEntries(Object.entries(mainParams).map(([k, value]) => [k, { value }]));
  const { target, scope } = calledScope(main, 'functionApp', defaultScope(main, bindings));
  const site = onlyResource(target, 'Microsoft.Web/sites');
  const value = valueAt(site, 'properties.siteConfig.appSettings', scope);
  if (!Array.isArray(value)) throw new Error(`appSettings did not evaluate to an array: ${String(value)}`);
  return value.map((s) => {
    const { name, value: v } = s as { name: BicepValue; value: BicepValue };
    if (typeof name !== 'string') throw new Error(`an app setting has no literal name: ${String(name)}`);
    return { name, value: v };
  });
}

const settings = appSettings();
const byName = new Map(settings.map((s) => [s.name, s.value]));

describe('the app settings of the Function App', () => {
  it('are the WARDEN_* settings plus exactly the platform keys, each once', () => {
    const platform = [...OTHER_ENV.filter((k) => k !== 'AzureWebJobsStorage'), ...Object.keys(ALLOWED_PLATFORM_KEYS)];
    expect(settings.map((s) => s.name).sort()).toEqual([...WARDEN_KEYS, ...platform].sort());
    expect(new Set(settings.map((s) => s.name)).size).toBe(settings.length);
    expect(Object.keys(ALLOWED_PLATFORM_KEYS)).toEqual(['AzureWebJobsStorage__credential']);
  });

  it('match the WARDEN_* keys of local.settings.sample.json', () => {
    const sampleKeys = Object.keys(sample.Values).filter((k) => k.startsWith('WARDEN_')).sort();
    expect(settings.map((s) => s.name).filter((k) => k.startsWith('WARDEN_')).sort()).toEqual(sampleKeys);
    expect(sampleKeys).toEqual(WARDEN_KEYS);
  });

  it('never set a storage connection string or a setting Flex Consumption rejects', () => {
    for (const key of FORBIDDEN_KEYS) expect(byName.has(key), key).toBe(false);
  });

  it('default to the values of local.settings.sample.json, except the identity client id', () => {
    const differing = settings.filter((s) => s.name.startsWith('WARDEN_') && s.value !== sample.Values[s.name]);
    expect(differing.map((s) => s.name)).toEqual(['WARDEN_MANAGED_IDENTITY_CLIENT_ID']);
    expect(byName.get('WARDEN_MANAGED_IDENTITY_CLIENT_ID')).toEqual(new Unresolved('identity.outputs.clientId'));
    expect(byName.get('WARDEN_MODE')).toBe('report');
    expect(byName.get('WARDEN_ARM_TOKEN')).toBe('');
    expect(byName.get('WARDEN_CA_CERT_PATH')).toBe('');
  });

  it('as deployed by default, load into the app configuration the app would use without them', () => {
    const env = Object.fromEntries(settings.filter((s) => s.name.startsWith('WARDEN_')).map((s) => [s.name, isResolved(s.value) ? String(s.value) : '00000000-0000-0000-0000-000000000001']));
    const deployed = loadConfig({ env });
    expect({ ...deployed, managedIdentityClientId: '' }).toEqual(loadConfig({ env: {} }));
    expect(deployed.managedIdentityClientId).toBe('00000000-0000-0000-0000-000000000001');
  });

  it('follow the parameters: booleans as true/false, numbers as text, remediate mode', () => {
    const set = new Map(appSettings({ wardenMode: 'remediate', wardenIncludePort80: true, wardenMaxActions: 7, wardenSubscriptions: 'a,b' }).map((s) => [s.name, s.value]));
    expect(set.get('WARDEN_MODE')).toBe('remediate');
    expect(set.get('WARDEN_INCLUDE_PORT_80')).toBe('true');
    expect(set.get('WARDEN_MAX_ACTIONS')).toBe('7');
    expect(set.get('WARDEN_SUBSCRIPTIONS')).toBe('a,b');
    const env = Object.fromEntries([...set].filter(([k]) => k.startsWith('WARDEN_')).map(([k, v]) => [k, isResolved(v) ? String(v) : 'client-id']));
    expect(loadConfig({ env })).toMatchObject({ mode: 'remediate', includePort80: true, maxActions: 7, subscriptions: ['a', 'b'] });
  });

  it('connect the host to its storage with the managed identity and to Application Insights', () => {
    const { target } = calledScope(main, 'functionApp');
    const platform = evaluate(varExpr(target, 'platformSettings')) as { name: string; value: BicepValue }[];
    const raw = Object.fromEntries(platform.map((s) => [s.name, s.value instanceof Unresolved ? s.value.text : s.value]));
    expect(raw).toEqual({
      AzureWebJobsStorage__accountName: 'storage.name',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: 'identity.properties.clientId',
      APPLICATIONINSIGHTS_CONNECTION_STRING: 'appInsights.properties.ConnectionString',
    });
    expect(onlyResource(target, 'Microsoft.Insights/components').existing).toBe(true);
    expect(onlyResource(target, 'Microsoft.Storage/storageAccounts').existing).toBe(true);
    expect(onlyResource(target, 'Microsoft.ManagedIdentity/userAssignedIdentities').existing).toBe(true);
  });
});

describe('the parameters behind the settings', () => {
  it('are one warden<Setting> parameter per tunable setting, defaulting to the app default', () => {
    const fixed = ['caCertPath', 'armToken', 'managedIdentityClientId'];
    const params = main.file.params.filter((p) => p.name.startsWith('warden'));
    const keyOf = (name: string): string => name.charAt(6).toLowerCase() + name.slice(7);
    expect(params.map((p) => keyOf(p.name)).sort()).toEqual(Object.keys(SETTINGS).filter((k) => !fixed.includes(k)).sort());
    for (const p of params) {
      const setting = SETTINGS[keyOf(p.name) as keyof typeof SETTINGS];
      const expected = Array.isArray(setting.default) ? setting.default.join(',') : setting.default;
      expect(p.defaultValue && evaluate(p.defaultValue), p.name).toEqual(expected);
    }
  });

  it('allow exactly the values the app accepts for the mode and the storage redundancy', () => {
    const allowed = (name: string): BicepValue => {
      const p = main.file.params.find((x) => x.name === name);
      const d = p && decorator(p, 'allowed');
      return d?.args[0] ? evaluate(d.args[0]) : null;
    };
    expect(allowed('wardenMode')).toEqual(SETTINGS.mode.schema.options);
    expect(allowed('wardenStorageRedundancy')).toEqual(SETTINGS.storageRedundancy.schema.options);
  });

  it("bound the numbers as the app does: the bounds load, one beyond them doesn't", () => {
    const numeric = main.file.params.filter((p) => p.type === 'int' && p.name.startsWith('warden'));
    expect(numeric.map((p) => p.name)).toEqual(['wardenInitialBackupRetentionDays', 'wardenMaxActions', 'wardenWriteConcurrency', 'wardenEventDebounceSeconds', 'wardenEventDedupeHours']);
    for (const p of numeric) {
      const setting = SETTINGS[(p.name.charAt(6).toLowerCase() + p.name.slice(7)) as keyof typeof SETTINGS];
      const bound = (d: string): number => {
        const arg = decorator(p, d)?.args[0];
        const v = arg && evaluate(arg);
        if (typeof v !== 'number') throw new Error(`${p.name} has no @${d}`);
        return v;
      };
      const load = (n: number): boolean => {
        try {
          loadConfig({ env: { [setting.env]: String(n) } });
          return true;
        } catch {
          return false;
        }
      };
      expect([load(bound('minValue')), load(bound('maxValue')), load(bound('minValue') - 1), load(bound('maxValue') + 1)], p.name).toEqual([true, true, false, false]);
    }
  });
});

describe('the Flex Consumption site', () => {
  const { target, scope } = calledScope(main, 'functionApp');
  const site = onlyResource(target, 'Microsoft.Web/sites');
  const plan = onlyResource(target, 'Microsoft.Web/serverfarms');

  it('runs on an FC1 plan as a Linux function app over HTTPS only', () => {
    expect(valueAt(plan, 'sku', scope)).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
    expect(valueAt(plan, 'properties.reserved', scope)).toBe(true);
    expect(valueAt(site, 'kind', scope)).toBe('functionapp,linux');
    expect(valueAt(site, 'properties.httpsOnly', scope)).toBe(true);
    expect(at(site.body, 'properties.serverFarmId')?.raw).toBe('plan.id');
  });

  it('runs Node.js 22, as package.json requires, with the configured scale', () => {
    expect(valueAt(site, 'properties.functionAppConfig.runtime', scope)).toEqual({ name: 'node', version: '22' });
    const pkg = JSON.parse(read('package.json')) as { engines: { node: string }; main: string };
    expect(pkg.engines.node).toBe('>=22');
    expect(pkg.main).toBe('dist/src/functions/index.js');
    expect(read('src/functions/index.ts')).toMatch(/import '\.\/vmWritten'/);
    expect(valueAt(site, 'properties.functionAppConfig.scaleAndConcurrency', scope)).toEqual({ instanceMemoryMB: 2048, maximumInstanceCount: 40 });
  });

  it('deploys from the blob container with the user-assigned identity, and runs as that identity', () => {
    const storage = valueAt(site, 'properties.functionAppConfig.deployment.storage', scope) as Record<string, BicepValue>;
    expect(storage.type).toBe('blobContainer');
    expect(storage.value).toEqual(new Unresolved("'${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'"));
    expect(at(site.body, 'properties.functionAppConfig.deployment.storage.value')?.raw).toBe("'${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'");
    expect(storage.authentication).toEqual({ type: 'UserAssignedIdentity', userAssignedIdentityResourceId: new Unresolved('identity.id') });
    expect(valueAt(site, 'identity.type', scope)).toBe('UserAssigned');
    expect(exprAt(site, 'identity.userAssignedIdentities').kind === 'object' && (exprAt(site, 'identity.userAssignedIdentities') as { properties: { key: string }[] }).properties.map((p) => p.key)).toEqual(["'${identity.id}'"]);
    const fa = main.file.modules.find((m) => m.symbol === 'functionApp');
    expect(fa && at(fa.body, 'params.deploymentContainerName')?.raw).toBe('storage.outputs.deploymentContainerName');
    expect(fa && at(fa.body, 'params.identityName')?.raw).toBe('identity.outputs.name');
  });

  it('turns basic-auth publishing off for scm and ftp', () => {
    const policies = target.file.resources.filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies');
    expect(policies.map((p) => [evaluate(exprAt(p, 'name')), valueAt(p, 'properties.allow', scope)])).toEqual([['scm', false], ['ftp', false]]);
  });

  it('keeps local ingestion on Application Insights, because the telemetry adapter sends with the connection string only', () => {
    const monitoring = template('infra/modules/monitoring.bicep');
    const ai = onlyResource(monitoring, 'Microsoft.Insights/components');
    expect(valueAt(ai, 'properties.DisableLocalAuth', defaultScope(monitoring))).toBe(false);
    expect(at(ai.body, 'properties.WorkspaceResourceId')?.raw).toBe('workspace.id');
    // When the adapter gains an Entra credential, switch to DisableLocalAuth: true (see monitoring.bicep).
    expect(read('src/adapters/telemetry/appInsights.ts')).not.toMatch(/credential/i);
  });
});

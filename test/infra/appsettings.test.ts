/**
 * On the compiled ARM JSON of infra/main.bicep: the Function App's app settings are exactly what the app reads
 * (src/config.ts SETTINGS and OTHER_ENV) plus the one platform key the Functions host needs for identity-based
 * storage, their defaults are the app's, and the Flex Consumption site runs Node 22 with its managed identity.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, OTHER_ENV, SETTINGS } from '../../src/config';
import { compile, evaluate, module, only, ROOT, scopeOf, Unresolved, type ArmTemplate, type Scope } from './arm';
import { findBicep } from './tools';

/** Keys the platform reads that the app does not, and why they are set. */
const ALLOWED_PLATFORM_KEYS: Readonly<Record<string, string>> = {
  AzureWebJobsStorage__credential:
    "read by the Functions host: 'managedidentity' makes AzureWebJobsStorage identity-based (with __clientId for the user-assigned identity)",
};

/** Settings that must never be set: a storage connection string carries a key, and Flex Consumption rejects the others. */
const FORBIDDEN_KEYS = [
  'AzureWebJobsStorage',
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'APPINSIGHTS_INSTRUMENTATIONKEY',
];

const WARDEN_KEYS = Object.values(SETTINGS)
  .map((s) => s.env)
  .sort();
const sample = JSON.parse(readFileSync(join(ROOT, 'local.settings.sample.json'), 'utf8')) as {
  Values: Record<string, string>;
};
const keyOf = (param: string): keyof typeof SETTINGS =>
  (param.charAt(6).toLowerCase() + param.slice(7)) as keyof typeof SETTINGS;

describe.skipIf(!findBicep())('compiled infra/main.bicep', () => {
  let main: ArmTemplate;
  let functionApp: { template: ArmTemplate; scope: Scope };
  /** The site's app settings with main.bicep's parameters (defaults unless given), as deployed. */
  const appSettings = (given: Record<string, unknown> = {}): Map<string, unknown> => {
    const fa = module(scopeOf(main, { environmentName: 'dev', location: 'eastus', ...given }), 'functionapp');
    const site = only(fa.template, 'Microsoft.Web/sites');
    const raw = (site['properties'] as { siteConfig: { appSettings: unknown } }).siteConfig.appSettings;
    const value = evaluate(raw, fa.scope) as { name: string; value: unknown }[];
    expect(new Set(value.map((s) => s.name)).size).toBe(value.length);
    return new Map(value.map((s) => [s.name, s.value]));
  };

  beforeAll(() => {
    main = compile('infra/main.bicep');
    const fa = module(scopeOf(main, { environmentName: 'dev', location: 'eastus' }), 'functionapp');
    functionApp = { template: fa.template, scope: fa.scope };
  });

  describe('the app settings of the Function App', () => {
    it('are the WARDEN_* settings plus exactly the platform keys, each once', () => {
      const platform = [...OTHER_ENV.filter((k) => k !== 'AzureWebJobsStorage'), ...Object.keys(ALLOWED_PLATFORM_KEYS)];
      expect([...appSettings().keys()].sort()).toEqual([...WARDEN_KEYS, ...platform].sort());
    });

    it('match the WARDEN_* keys of local.settings.sample.json', () => {
      const sampleKeys = Object.keys(sample.Values)
        .filter((k) => k.startsWith('WARDEN_'))
        .sort();
      expect(sampleKeys).toEqual(WARDEN_KEYS);
    });

    it('never set a storage connection string or a setting Flex Consumption rejects', () => {
      const settings = appSettings();
      for (const key of FORBIDDEN_KEYS) expect(settings.has(key), key).toBe(false);
    });

    it("default to the app's defaults; the identity client id and the ARM endpoint come from the deployment", () => {
      const settings = appSettings();
      const differing = [...settings]
        .filter(([k, v]) => k.startsWith('WARDEN_') && v !== sample.Values[k])
        .map(([k]) => k);
      expect(differing.sort()).toEqual(['WARDEN_ARM_ENDPOINT', 'WARDEN_MANAGED_IDENTITY_CLIENT_ID']);
      expect(settings.get('WARDEN_MANAGED_IDENTITY_CLIENT_ID')).toBeInstanceOf(Unresolved);
      expect((settings.get('WARDEN_ARM_ENDPOINT') as Unresolved).text).toMatch(/variables\('cloudResourceManager'\)/);
      expect(main.variables?.['cloudResourceManager']).toBe('[environment().resourceManager]');
      expect(settings.get('WARDEN_MODE')).toBe('report');
      expect(settings.get('WARDEN_ARM_TOKEN')).toBe('');
      expect(settings.get('WARDEN_CA_CERT_PATH')).toBe('');
    });

    it('as deployed by default, load into the configuration the app would use without them', () => {
      const env = Object.fromEntries(
        [...appSettings()]
          .filter(([k]) => k.startsWith('WARDEN_'))
          .map(([k, v]) => [
            k,
            k === 'WARDEN_ARM_ENDPOINT'
              ? 'https://management.azure.com'
              : v instanceof Unresolved
                ? '00000000-0000-0000-0000-000000000001'
                : String(v),
          ]),
      );
      const deployed = loadConfig({ env });
      expect({ ...deployed, managedIdentityClientId: '' }).toEqual(loadConfig({ env: {} }));
      expect(deployed.managedIdentityClientId).toBe('00000000-0000-0000-0000-000000000001');
    });

    it('follow the parameters: booleans as true/false, numbers as text, remediate mode, a given endpoint', () => {
      const set = appSettings({
        wardenMode: 'remediate',
        wardenIncludePort80: true,
        wardenMaxActions: 7,
        wardenSubscriptions: 'a,b',
        wardenArmEndpoint: 'https://management.usgovcloudapi.net',
      });
      expect(set.get('WARDEN_MODE')).toBe('remediate');
      expect(set.get('WARDEN_INCLUDE_PORT_80')).toBe('true');
      expect(set.get('WARDEN_MAX_ACTIONS')).toBe('7');
      expect(set.get('WARDEN_SUBSCRIPTIONS')).toBe('a,b');
      expect(set.get('WARDEN_ARM_ENDPOINT')).toBe('https://management.usgovcloudapi.net');
      const env = Object.fromEntries(
        [...set].filter(([k]) => k.startsWith('WARDEN_')).map(([k, v]) => [k, v instanceof Unresolved ? 'id' : String(v)]),
      );
      expect(loadConfig({ env })).toMatchObject({
        mode: 'remediate',
        includePort80: true,
        maxActions: 7,
        subscriptions: ['a', 'b'],
      });
    });

    it('connect the host to its storage with the managed identity and to Application Insights', () => {
      const settings = appSettings();
      expect(settings.get('AzureWebJobsStorage__credential')).toBe('managedidentity');
      expect((settings.get('AzureWebJobsStorage__accountName') as Unresolved).text).toMatch(/outputs\.name\.value/);
      expect((settings.get('AzureWebJobsStorage__clientId') as Unresolved).text).toMatch(
        /^reference\(resourceId\('Microsoft\.ManagedIdentity\/userAssignedIdentities'.*\)\.clientId$/,
      );
      expect((settings.get('APPLICATIONINSIGHTS_CONNECTION_STRING') as Unresolved).text).toMatch(
        /^reference\(resourceId\('Microsoft\.Insights\/components'.*\)\.ConnectionString$/,
      );
    });
  });

  describe('the parameters behind the settings', () => {
    const params = () => Object.entries(main.parameters ?? {}).filter(([name]) => name.startsWith('warden'));

    it('are one warden<Setting> parameter per tunable setting, defaulting to the app default', () => {
      const fixed = ['caCertPath', 'armToken', 'managedIdentityClientId'];
      expect(params().map(([name]) => keyOf(name)).sort()).toEqual(
        Object.keys(SETTINGS)
          .filter((k) => !fixed.includes(k))
          .sort(),
      );
      for (const [name, p] of params()) {
        const setting = SETTINGS[keyOf(name)];
        const expected = Array.isArray(setting.default) ? setting.default.join(',') : setting.default;
        // The ARM endpoint defaults to the cloud deployed to (see the settings test above).
        expect(p.defaultValue, name).toEqual(name === 'wardenArmEndpoint' ? '' : expected);
      }
    });

    it('allow exactly the values the app accepts for the mode and the storage redundancy', () => {
      expect(main.parameters?.['wardenMode']?.allowedValues).toEqual(SETTINGS.mode.schema.options);
      expect(main.parameters?.['wardenStorageRedundancy']?.allowedValues).toEqual(
        SETTINGS.storageRedundancy.schema.options,
      );
    });

    it("bound the numbers as the app does: the bounds load, one beyond them doesn't", () => {
      const numeric = params().filter(([, p]) => p.type === 'int');
      expect(numeric.map(([n]) => n)).toEqual([
        'wardenInitialBackupRetentionDays',
        'wardenMaxActions',
        'wardenBackupGraceHours',
        'wardenWriteConcurrency',
        'wardenRequestTimeoutSeconds',
        'wardenOperationDeadlineSeconds',
        'wardenRunBudgetSeconds',
        'wardenEventDebounceSeconds',
        'wardenEventDedupeHours',
      ]);
      for (const [name, p] of numeric) {
        const setting = SETTINGS[keyOf(name)];
        const load = (n: number | undefined): boolean => {
          try {
            loadConfig({ env: { [setting.env]: String(n) } });
            return true;
          } catch {
            return false;
          }
        };
        expect(typeof p.minValue === 'number' && typeof p.maxValue === 'number', name).toBe(true);
        const [min, max] = [p.minValue as number, p.maxValue as number];
        expect([load(min), load(max), load(min - 1), load(max + 1)], name).toEqual([true, true, false, false]);
      }
    });
  });

  describe('the Flex Consumption site', () => {
    const site = () => evaluate(only(functionApp.template, 'Microsoft.Web/sites'), functionApp.scope) as Site;
    interface Site {
      kind: string;
      identity: { type: string; userAssignedIdentities: Record<string, unknown> };
      properties: {
        httpsOnly: boolean;
        functionAppConfig: {
          runtime: unknown;
          scaleAndConcurrency: unknown;
          deployment: { storage: { type: string; value: unknown; authentication: Record<string, unknown> } };
        };
      };
    }

    it('runs on an FC1 plan as a Linux function app over HTTPS only', () => {
      const plan = evaluate(only(functionApp.template, 'Microsoft.Web/serverfarms'), functionApp.scope) as {
        sku: unknown;
        kind: string;
        properties: { reserved: boolean };
      };
      expect(plan.sku).toEqual({ name: 'FC1', tier: 'FlexConsumption' });
      expect(plan.properties.reserved).toBe(true);
      expect(site().kind).toBe('functionapp,linux');
      expect(site().properties.httpsOnly).toBe(true);
    });

    it('runs Node.js 22, as package.json requires, with the configured scale', () => {
      expect(site().properties.functionAppConfig.runtime).toEqual({ name: 'node', version: '22' });
      const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };
      expect(pkg.engines.node).toBe('>=22');
      expect(site().properties.functionAppConfig.scaleAndConcurrency).toEqual({
        instanceMemoryMB: 2048,
        maximumInstanceCount: 40,
      });
    });

    it('runs as its user-assigned managed identity, and deploys from the blob container with it', () => {
      const s = site();
      expect(s.identity.type).toBe('UserAssigned');
      expect(Object.keys(s.identity.userAssignedIdentities)).toEqual([
        "[format('{0}', resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName')))]",
      ]);
      const storage = s.properties.functionAppConfig.deployment.storage;
      expect(storage.type).toBe('blobContainer');
      expect((storage.value as Unresolved).text).toMatch(/primaryEndpoints\.blob/);
      expect(storage.authentication['type']).toBe('UserAssignedIdentity');
      expect((storage.authentication['userAssignedIdentityResourceId'] as Unresolved).text).toBe(
        "resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('identityName'))",
      );
    });

    it('turns basic-auth publishing off for scm and ftp', () => {
      const policies = (Array.isArray(functionApp.template.resources) ? functionApp.template.resources : [])
        .filter((r) => r.type === 'Microsoft.Web/sites/basicPublishingCredentialsPolicies')
        .map((r) => ({ ...(evaluate(r, functionApp.scope) as { properties: { allow: boolean } }), name: r.name }));
      expect(policies.map((p) => [/'(\w+)'\)\]$/.exec(p.name)?.[1], p.properties.allow])).toEqual([
        ['scm', false],
        ['ftp', false],
      ]);
    });

    it('keeps local ingestion on Application Insights, because the telemetry adapter sends with the connection string only', () => {
      const monitoring = module(scopeOf(main, { environmentName: 'dev', location: 'eastus' }), 'monitoring');
      const ai = evaluate(only(monitoring.template, 'Microsoft.Insights/components'), monitoring.scope) as {
        properties: { DisableLocalAuth: boolean };
      };
      expect(ai.properties.DisableLocalAuth).toBe(false);
      // When the adapter gains an Entra credential, switch to DisableLocalAuth: true (see monitoring.bicep).
      expect(readFileSync(join(ROOT, 'src/adapters/telemetry/appInsights.ts'), 'utf8')).not.toMatch(/credential/i);
    });
  });
});

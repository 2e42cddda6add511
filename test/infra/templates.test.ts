/**
 * On the compiled ARM JSON of every template: current stable api-versions, no key anywhere (no listKeys, no shared
 * key access, no connection string with a key), role assignments only to service principals by deterministic names
 * with the documented built-in role ids, the host storage account the app needs, and azd's names and tags.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/app/queues';
import { DEFAULT_TABLE_NAME } from '../../src/adapters/storage/tableLedger';
import { allResources, compile, evaluate, module, only, scopeOf, type ArmTemplate } from './arm';
import {
  API_VERSION_EXCEPTIONS,
  API_VERSION_FLOOR,
  apiVersionProblem,
  BUILT_IN_ROLES,
  filesUnder,
  INFRA,
  read,
  rel,
  ROOT,
  secretFindings,
} from './checks';
import { findBicep } from './tools';

const ENTRY_POINTS = [
  'infra/main.bicep',
  'infra/targets/eventgrid.bicep',
  'infra/targets/targets-subscriptions.bicep',
  'infra/targets/targets-managementgroup.bicep',
];

describe('the api-version check', () => {
  it('rejects previews, old versions and a misused exception', () => {
    expect(API_VERSION_FLOOR).toBe('2022-04-01');
    expect(apiVersionProblem('Microsoft.Web/sites', '2025-03-01')).toBeUndefined();
    expect(apiVersionProblem('Microsoft.Web/sites', '2024-04-01-preview')).toMatch(/a preview/);
    expect(apiVersionProblem('Microsoft.Web/sites', '2021-02-01')).toMatch(/older than 2022-04-01/);
    expect(apiVersionProblem('Microsoft.Insights/components', '2020-02-02')).toBeUndefined();
    expect(apiVersionProblem('Microsoft.Insights/components', '2015-05-01')).toMatch(/allowlisted for 2020-02-02 only/);
    expect(apiVersionProblem('Microsoft.Web/sites', 'latest')).toMatch(/not an api-version/);
    expect(Object.keys(API_VERSION_EXCEPTIONS)).toEqual(['Microsoft.Insights/components']);
  });
});

describe('the secret scan', () => {
  const files = [
    ...filesUnder(INFRA).filter((f) => !f.endsWith('.md')),
    join(ROOT, 'azure.yaml'),
    ...filesUnder(join(ROOT, '.github')),
  ].map(rel);

  it('finds nothing in the infra, azd and workflow sources', () => {
    expect(files).toEqual(
      expect.arrayContaining(['infra/main.bicep', 'infra/targets/remediator-role.json', 'azure.yaml', '.github/workflows/deploy.yml']),
    );
    expect(files.flatMap((f) => secretFindings(read(f), f))).toEqual([]);
  });

  it('catches each kind of secret', () => {
    const bad = [
      "value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'",
      "key: listKeys(storage.id, '2023-01-01').keys[0].value",
      'x: storage.properties.primaryKey',
      "sas: 'SharedAccessSignature=sv=2020&sig=abc'",
      "bus: 'Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc'",
      "ikey: 'InstrumentationKey=00000000-0000-0000-0000-000000000000'",
      'AzureWebJobsStorage: storageConnectionString',
    ];
    expect(bad.map((line) => secretFindings(line, 'x').length > 0)).toEqual(bad.map(() => true));
    expect(
      secretFindings("{ name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }", 'ok'),
    ).toEqual([]);
  });
});

describe.skipIf(!findBicep())('the compiled templates', () => {
  let compiled: { path: string; template: ArmTemplate }[];
  beforeAll(() => {
    compiled = ENTRY_POINTS.map((path) => ({ path, template: compile(path) }));
  });
  const everyResource = () =>
    compiled.flatMap(({ path, template }) => allResources(template).map((r) => ({ module: r.path, resource: r.resource, path })));

  it('use stable api-versions not older than the floor, one version per type', () => {
    const versions = new Map<string, Set<string>>();
    for (const { path, resource } of everyResource()) {
      expect(apiVersionProblem(resource.type, resource.apiVersion), `${path}: ${resource.type}`).toBeUndefined();
      versions.set(resource.type, (versions.get(resource.type) ?? new Set()).add(resource.apiVersion));
    }
    for (const [type, v] of versions) expect([...v], type).toHaveLength(1);
  });

  it('hold no key: no list*() call, no account key, SAS or connection string with a key', () => {
    for (const { path, template } of compiled) {
      const text = JSON.stringify(template);
      expect(text, path).not.toMatch(/\blist[A-Za-z]*\(/);
      expect(secretFindings(text, path)).toEqual([]);
    }
  });

  it('take no secure parameter (nothing secret is passed in)', () => {
    for (const { path, template } of compiled) {
      const all = [template, ...allResources(template).flatMap((r) => {
        const inner = (r.resource['properties'] as { template?: ArmTemplate } | undefined)?.template;
        return inner ? [inner] : [];
      })];
      const secure = all.flatMap((t) =>
        Object.entries(t.parameters ?? {}).filter(([, p]) => /^secure/i.test(p.type)).map(([n]) => n),
      );
      expect(secure, path).toEqual([]);
    }
  });

  it('assign roles only to service principals, by a deterministic guid() name, with documented built-in roles', () => {
    const assignments = everyResource().filter((r) => r.resource.type === 'Microsoft.Authorization/roleAssignments');
    expect(assignments).toHaveLength(8);
    for (const { path, resource } of assignments) {
      const props = resource['properties'] as { principalType: string; roleDefinitionId: string };
      expect(props.principalType, path).toBe('ServicePrincipal');
      expect(resource.name, path).toMatch(/^\[guid\(/);
      expect(resource.name, path).not.toMatch(/newGuid|utcNow/);
    }
    const text = JSON.stringify(compiled.map((c) => c.template));
    const used = Object.keys(BUILT_IN_ROLES).filter((id) => text.includes(id));
    expect(used.map((id) => BUILT_IN_ROLES[id]).sort()).toEqual([
      'Reader',
      'Storage Blob Data Contributor',
      'Storage Blob Data Owner',
      'Storage Queue Data Contributor',
      'Storage Table Data Contributor',
    ]);
    expect(BUILT_IN_ROLES).toEqual({
      'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
      'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
      'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
      '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
      '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
      '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
    });
  });

  describe('the host storage account', () => {
    const storage = () => module(scopeOf(compile('infra/main.bicep'), { environmentName: 'dev', location: 'eastus' }), 'storage');

    it('allows no shared key, no public blob access and only TLS 1.2 over HTTPS', () => {
      const { template, scope } = storage();
      const account = evaluate(only(template, 'Microsoft.Storage/storageAccounts'), scope) as {
        properties: Record<string, unknown>;
      };
      expect(account.properties).toMatchObject({
        allowSharedKeyAccess: false,
        allowBlobPublicAccess: false,
        minimumTlsVersion: 'TLS1_2',
        supportsHttpsTrafficOnly: true,
        defaultToOAuthAuthentication: true,
      });
    });

    it('holds the queues the app and the host use, poison queues included', () => {
      const { template } = storage();
      const queues = only(template, 'Microsoft.Storage/storageAccounts/queueServices/queues');
      expect(queues['copy']).toEqual({ name: 'queues', count: "[length(variables('queueNames'))]" });
      const names = template.variables?.['queueNames'] as string[];
      expect(names).toEqual(['sweep-shards', 'sweep-shards-poison', 'remediation-jobs', 'remediation-jobs-poison']);
      expect([...names].sort()).toEqual(Object.values(QUEUES).sort());
      const triggers = filesUnder(join(ROOT, 'src/functions'), '.ts').flatMap((f) =>
        [...read(rel(f)).matchAll(/queueName: QUEUES\.(\w+)/g)].map((m) => QUEUES[(m[1] ?? '') as keyof typeof QUEUES]),
      );
      expect(triggers.length).toBeGreaterThan(0);
      for (const q of triggers) expect(names, `a trigger listens on ${q}`).toContain(q);
    });

    it('holds the findings table and the deadletter and deployment containers', () => {
      const { template, scope } = storage();
      expect(template.variables?.['findingsTableName']).toBe(DEFAULT_TABLE_NAME);
      expect(template.variables?.['deadLetterContainerName']).toBe('deadletter');
      const containers = allResources(template)
        .filter((r) => r.resource.type === 'Microsoft.Storage/storageAccounts/blobServices/containers')
        .map((r) => r.resource.name);
      expect(containers).toEqual([
        "[format('{0}/{1}/{2}', parameters('name'), 'default', parameters('deploymentContainerName'))]",
        "[format('{0}/{1}/{2}', parameters('name'), 'default', variables('deadLetterContainerName'))]",
      ]);
      expect(String((scope.parameters['deploymentContainerName'] as { text: string }).text)).toMatch(/app-package-/);
    });

    it('expires dead letters only, after the configured days', () => {
      const { template, scope } = storage();
      const policy = evaluate(only(template, 'Microsoft.Storage/storageAccounts/managementPolicies'), scope) as {
        properties: { policy: { rules: { definition: { filters: { prefixMatch: string[] }; actions: unknown } }[] } };
      };
      const rules = policy.properties.policy.rules;
      expect(rules.map((r) => r.definition.filters.prefixMatch)).toEqual([['deadletter/']]);
      expect(rules[0]?.definition.actions).toEqual({
        baseBlob: { delete: { daysAfterModificationGreaterThan: scope.parameters['deadLetterRetentionDays'] } },
      });
    });
  });

  describe('names and tags', () => {
    it('derive from one resourceToken over the subscription, environment and location', () => {
      const main = compile('infra/main.bicep');
      expect(main.variables?.['resourceToken']).toBe(
        "[toLower(uniqueString(subscription().id, parameters('environmentName'), parameters('location')))]",
      );
      expect(main.variables?.['functionAppName']).toBe("[format('func-{0}', variables('resourceToken'))]");
    });

    it("tag everything with azd-env-name and the Function App with azd-service-name 'api'", () => {
      const main = compile('infra/main.bicep');
      const scope = scopeOf(main, { environmentName: 'dev', location: 'eastus' });
      expect(evaluate("[variables('tags')]", scope)).toEqual({ 'azd-env-name': 'dev' });
      const fa = module(scope, 'functionapp');
      const site = evaluate(only(fa.template, 'Microsoft.Web/sites'), fa.scope) as { tags: unknown };
      expect(site.tags).toEqual({ 'azd-env-name': 'dev', 'azd-service-name': 'api' });
    });
  });
});

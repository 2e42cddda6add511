/**
 * Every template under infra/ parses, wires its modules the way the Bicep compiler would require,
 * uses current stable api-versions, holds no secret, and assigns roles only to service principals by
 * deterministic names, with the documented built-in role ids.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { QUEUES } from '../../src/app/queues';
import { DEFAULT_TABLE_NAME } from '../../src/adapters/storage/tableLedger';
import { allExpressions, at, evaluate, parseBicep, walk, type Expr } from './bicep';
import {
  API_VERSION_EXCEPTIONS, API_VERSION_FLOOR, apiVersionProblem, assignedRole, BUILT_IN_ROLES, bicepPaths, calledScope, defaultScope, exprAt,
  filesUnder, INFRA, moduleTarget, onlyResource, read, rel, resourceNamed, ROOT, secretDeclarations, secretFindings, template, templates, valueAt, varExpr,
} from './templates';

const EXPECTED_TEMPLATES = [
  'infra/main.bicep',
  'infra/modules/functionapp.bicep',
  'infra/modules/identity.bicep',
  'infra/modules/monitoring.bicep',
  'infra/modules/rbac-host.bicep',
  'infra/modules/storage.bicep',
  'infra/modules/workbook.bicep',
  'infra/targets/deadletter-access.bicep',
  'infra/targets/eventgrid-subscription.bicep',
  'infra/targets/eventgrid-topic.bicep',
  'infra/targets/eventgrid.bicep',
  'infra/targets/grants-subscription.bicep',
  'infra/targets/targets-managementgroup.bicep',
  'infra/targets/targets-subscriptions.bicep',
];

describe('the templates', () => {
  it('are the expected files, and every one parses', () => {
    expect(bicepPaths()).toEqual(EXPECTED_TEMPLATES);
    for (const path of EXPECTED_TEMPLATES) expect(() => template(path), path).not.toThrow();
  });

  it('declare the scope they are deployed at', () => {
    const scopes = Object.fromEntries(templates().map((t) => [t.path, t.file.targetScope ?? 'resourceGroup']));
    expect(scopes).toEqual({
      'infra/main.bicep': 'subscription',
      'infra/modules/functionapp.bicep': 'resourceGroup',
      'infra/modules/identity.bicep': 'resourceGroup',
      'infra/modules/monitoring.bicep': 'resourceGroup',
      'infra/modules/rbac-host.bicep': 'resourceGroup',
      'infra/modules/storage.bicep': 'resourceGroup',
      'infra/modules/workbook.bicep': 'resourceGroup',
      'infra/targets/deadletter-access.bicep': 'resourceGroup',
      'infra/targets/eventgrid-subscription.bicep': 'resourceGroup',
      'infra/targets/eventgrid-topic.bicep': 'resourceGroup',
      'infra/targets/eventgrid.bicep': 'subscription',
      'infra/targets/grants-subscription.bicep': 'subscription',
      'infra/targets/targets-managementgroup.bicep': 'managementGroup',
      'infra/targets/targets-subscriptions.bicep': 'subscription',
    });
  });

  it('reference module files that exist, and every template is used or deployed on its own', () => {
    const used = new Set<string>();
    for (const t of templates()) {
      for (const m of t.file.modules) {
        const target = resolve(t.dir, m.path);
        expect(existsSync(target), `${t.path}: module ${m.symbol} '${m.path}'`).toBe(true);
        used.add(rel(target));
      }
    }
    const entryPoints = ['infra/main.bicep', 'infra/targets/eventgrid.bicep', 'infra/targets/targets-managementgroup.bicep', 'infra/targets/targets-subscriptions.bicep'];
    expect(EXPECTED_TEMPLATES.filter((p) => !used.has(p)).sort()).toEqual(entryPoints);
  });

  it('load files that exist', () => {
    const loads: string[] = [];
    for (const t of templates()) {
      for (const e of allExpressions(t.file)) {
        if (e.kind !== 'call' || !/^load(Text|Json|YamlFile)?Content$|^loadFileAsBase64$/.test(e.name)) continue;
        const path = e.args[0] && evaluate(e.args[0]);
        expect(typeof path, `${t.path}: ${e.raw}`).toBe('string');
        expect(existsSync(resolve(t.dir, path as string)), `${t.path}: ${e.raw}`).toBe(true);
        loads.push(`${t.path} ${e.raw}`);
      }
    }
    expect(loads.sort()).toEqual([
      "infra/modules/workbook.bicep loadTextContent('../workbook.json')",
      "infra/targets/targets-managementgroup.bicep loadJsonContent('remediator-role.json')",
      "infra/targets/targets-subscriptions.bicep loadJsonContent('remediator-role.json')",
    ]);
  });

  it('pass every module exactly parameters it declares, and every required one', () => {
    for (const t of templates()) {
      for (const m of t.file.modules) {
        const callee = moduleTarget(t, m).file;
        const args = at(m.body, 'params');
        const given = args?.kind === 'object' ? args.properties.map((p) => p.key) : [];
        const declared = callee.params.map((p) => p.name);
        const required = callee.params.filter((p) => !p.defaultValue && !p.type.endsWith('?')).map((p) => p.name);
        expect(given.filter((g) => !declared.includes(g)), `${t.path}: ${m.symbol} passes undeclared parameters`).toEqual([]);
        expect(required.filter((r) => !given.includes(r)), `${t.path}: ${m.symbol} misses required parameters`).toEqual([]);
        expect(at(m.body, 'name'), `${t.path}: ${m.symbol} has a deployment name`).toBeDefined();
      }
    }
  });

  it('read only outputs that the modules declare', () => {
    for (const t of templates()) {
      const modules = new Map(t.file.modules.map((m) => [m.symbol, moduleTarget(t, m).file]));
      for (const e of allExpressions(t.file)) {
        if (e.kind !== 'member' || e.object.kind !== 'member' || e.object.property !== 'outputs' || e.object.object.kind !== 'identifier') continue;
        const callee = modules.get(e.object.object.name);
        expect(callee, `${t.path}: ${e.raw} reads a module that is not declared`).toBeDefined();
        expect(callee?.outputs.map((o) => o.name), `${t.path}: ${e.raw}`).toContain(e.property);
      }
    }
  });

  it('deploy each module at the scope its file targets', () => {
    for (const t of templates()) {
      const resourceGroups = new Set(t.file.resources.filter((r) => r.type === 'Microsoft.Resources/resourceGroups').map((r) => r.symbol));
      for (const m of t.file.modules) {
        const scope = at(m.body, 'scope');
        const kindOf = (e: Expr | undefined): string => {
          if (!e) return t.file.targetScope ?? 'resourceGroup';
          if (e.kind === 'identifier' && resourceGroups.has(e.name)) return 'resourceGroup';
          if (e.kind === 'call' && ['resourceGroup', 'subscription', 'managementGroup', 'tenant'].includes(e.name)) return e.name;
          return `unknown (${e.raw})`;
        };
        expect(kindOf(scope), `${t.path}: module ${m.symbol}`).toBe(moduleTarget(t, m).file.targetScope ?? 'resourceGroup');
      }
    }
  });
});

describe('api-versions', () => {
  it('are stable and not older than the floor, with one version per type', () => {
    const versions = new Map<string, Set<string>>();
    for (const t of templates()) {
      for (const r of t.file.resources) {
        expect(apiVersionProblem(r.type, r.apiVersion), `${t.path}: ${r.symbol}`).toBeUndefined();
        versions.set(r.type, (versions.get(r.type) ?? new Set()).add(r.apiVersion));
      }
    }
    expect(Object.fromEntries([...versions].map(([type, v]) => [type, [...v].join(',')]).sort())).toEqual({
      'Microsoft.Authorization/roleAssignments': '2022-04-01',
      'Microsoft.Authorization/roleDefinitions': '2022-04-01',
      'Microsoft.EventGrid/systemTopics': '2025-02-15',
      'Microsoft.EventGrid/systemTopics/eventSubscriptions': '2025-02-15',
      'Microsoft.Insights/components': '2020-02-02',
      'Microsoft.Insights/workbooks': '2023-06-01',
      'Microsoft.ManagedIdentity/userAssignedIdentities': '2024-11-30',
      'Microsoft.OperationalInsights/workspaces': '2025-02-01',
      'Microsoft.Resources/resourceGroups': '2025-04-01',
      'Microsoft.Storage/storageAccounts': '2025-06-01',
      'Microsoft.Storage/storageAccounts/blobServices': '2025-06-01',
      'Microsoft.Storage/storageAccounts/blobServices/containers': '2025-06-01',
      'Microsoft.Storage/storageAccounts/managementPolicies': '2025-06-01',
      'Microsoft.Storage/storageAccounts/queueServices': '2025-06-01',
      'Microsoft.Storage/storageAccounts/queueServices/queues': '2025-06-01',
      'Microsoft.Storage/storageAccounts/tableServices': '2025-06-01',
      'Microsoft.Storage/storageAccounts/tableServices/tables': '2025-06-01',
      'Microsoft.Web/serverfarms': '2025-03-01',
      'Microsoft.Web/sites': '2025-03-01',
      'Microsoft.Web/sites/basicPublishingCredentialsPolicies': '2025-03-01',
    });
  });

  it('the check rejects previews, old versions and a misused exception', () => {
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

describe('no secret in any template', () => {
  const files = [
    ...filesUnder(INFRA).filter((f) => !f.endsWith('.md')),
    join(ROOT, 'azure.yaml'),
    ...filesUnder(join(ROOT, '.github')),
  ].map(rel);

  it('scans the infra, azd and workflow files', () => {
    expect(files).toEqual(expect.arrayContaining(['infra/main.bicep', 'infra/main.parameters.json', 'infra/workbook.json', 'infra/targets/remediator-role.json', 'infra/scripts/grant-targets.sh', 'azure.yaml', '.github/workflows/deploy.yml']));
  });

  it('finds no key, SAS, connection string with a key, or list*() call', () => {
    expect(files.flatMap((f) => secretFindings(read(f), f))).toEqual([]);
    expect(templates().flatMap((t) => secretDeclarations(t.file, t.path))).toEqual([]);
  });

  it('has no @secure() parameter at all (nothing secret is passed in)', () => {
    expect(templates().flatMap((t) => t.file.params.filter((p) => p.decorators.some((d) => d.name === 'secure')).map((p) => `${t.path} ${p.name}`))).toEqual([]);
  });

  it('the scan catches each kind of secret', () => {
    const bad = [
      "value: 'DefaultEndpointsProtocol=https;AccountName=${storage.name};AccountKey=${storage.listKeys().keys[0].value}'",
      "key: listKeys(storage.id, '2023-01-01').keys[0].value",
      'x: storage.properties.primaryKey',
      "sas: 'SharedAccessSignature=sv=2020&sig=abc'",
      "bus: 'Endpoint=sb://x/;SharedAccessKeyName=root;SharedAccessKey=abc'",
      "ikey: 'InstrumentationKey=00000000-0000-0000-0000-000000000000'",
      "AzureWebJobsStorage: storageConnectionString",
    ];
    expect(bad.map((line) => secretFindings(line, 'x').length > 0)).toEqual(bad.map(() => true));
    expect(secretFindings("{ name: 'APPLICATIONINSIGHTS_CONNECTION_STRING', value: appInsights.properties.ConnectionString }", 'ok')).toEqual([]);
    const parsed = parseBicep("@secure()\nparam password string = 'hunter2'\n@secure()\nparam token string = ''\nvar k = sa.listAccountSas('2023-01-01', {}).accountSasToken");
    expect(secretDeclarations(parsed, 'x')).toEqual(['x: calls listAccountSas()', 'x: @secure() param password has a literal default']);
  });

  it('the host storage account allows no shared key, no public blob access and only TLS 1.2', () => {
    const storage = template('infra/modules/storage.bicep');
    const account = onlyResource(storage, 'Microsoft.Storage/storageAccounts', { existing: false });
    const scope = defaultScope(storage);
    expect(valueAt(account, 'properties.allowSharedKeyAccess', scope)).toBe(false);
    expect(valueAt(account, 'properties.allowBlobPublicAccess', scope)).toBe(false);
    expect(valueAt(account, 'properties.minimumTlsVersion', scope)).toBe('TLS1_2');
    expect(valueAt(account, 'properties.supportsHttpsTrafficOnly', scope)).toBe(true);
    expect(valueAt(account, 'properties.defaultToOAuthAuthentication', scope)).toBe(true);
  });
});

describe('role assignments', () => {
  const assignments = templates().flatMap((t) => t.file.resources.filter((r) => r.type === 'Microsoft.Authorization/roleAssignments').map((r) => ({ t, r })));

  it('are the expected ones, each granting the documented role', () => {
    const granted = assignments.map(({ t, r }) => {
      const role = assignedRole(r, defaultScope(t));
      return `${t.path} ${r.symbol}: ${role.builtIn ? BUILT_IN_ROLES[role.builtIn] ?? `unknown built-in ${role.builtIn}` : `custom ${role.custom ?? ''}`}`;
    });
    expect(granted.sort()).toEqual([
      'infra/modules/rbac-host.bicep blobOwner: Storage Blob Data Owner',
      'infra/modules/rbac-host.bicep queueContributor: Storage Queue Data Contributor',
      'infra/modules/rbac-host.bicep tableContributor: Storage Table Data Contributor',
      'infra/targets/deadletter-access.bicep deadLetterWriter: Storage Blob Data Contributor',
      'infra/targets/grants-subscription.bicep reader: Reader',
      'infra/targets/grants-subscription.bicep remediator: custom remediatorRoleGuid',
      'infra/targets/targets-managementgroup.bicep reader: Reader',
      'infra/targets/targets-managementgroup.bicep remediator: custom remediatorRole.id',
    ]);
  });

  it("every one names principalType 'ServicePrincipal'", () => {
    expect(assignments.length).toBe(8);
    for (const { t, r } of assignments) expect(valueAt(r, 'properties.principalType', defaultScope(t)), `${t.path} ${r.symbol}`).toBe('ServicePrincipal');
  });

  it('every one has a deterministic guid() name over its scope, principal and role', () => {
    for (const { t, r } of assignments) {
      const name = exprAt(r, 'name');
      expect(name.kind === 'call' && name.name, `${t.path} ${r.symbol}`).toBe('guid');
      const args = name.kind === 'call' ? name.args.map((a) => a.raw) : [];
      expect(args.length, `${t.path} ${r.symbol}`).toBe(3);
      expect(args[1], `${t.path} ${r.symbol}`).toBe('principalId');
      const roleRef = exprAt(r, 'properties.roleDefinitionId');
      const roleArg = roleRef.kind === 'call' ? roleRef.args[roleRef.args.length - 1]?.raw : roleRef.raw;
      expect(args[2], `${t.path} ${r.symbol}: the name includes the role`).toBe(roleArg);
      const nondeterministic = walk(name).filter((e) => e.kind === 'call' && ['newGuid', 'utcNow'].includes(e.name));
      expect(nondeterministic).toEqual([]);
    }
  });

  it('the built-in role table is the documented ids', () => {
    expect(BUILT_IN_ROLES).toEqual({
      'acdd72a7-3385-48ef-bd42-f606fba81ae7': 'Reader',
      'b7e6dc6d-f1e8-4753-8033-0f276bb0955b': 'Storage Blob Data Owner',
      'ba92f5b4-2d11-453d-a403-e96b0029c9fe': 'Storage Blob Data Contributor',
      '974c5e8b-45b9-4653-ba55-5f855dd0fb88': 'Storage Queue Data Contributor',
      '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3': 'Storage Table Data Contributor',
      '3913510d-42f4-4e42-8a64-420c390055eb': 'Monitoring Metrics Publisher',
    });
  });

  it('the host roles go to the compliance identity, on the host storage account', () => {
    const main = template('infra/main.bicep');
    const rbac = main.file.modules.find((m) => m.symbol === 'rbacHost');
    expect(rbac && at(rbac.body, 'params.principalId')?.raw).toBe('identity.outputs.principalId');
    expect(rbac && at(rbac.body, 'params.storageAccountName')?.raw).toBe('storage.outputs.name');
    const host = template('infra/modules/rbac-host.bicep');
    for (const symbol of ['blobOwner', 'queueContributor', 'tableContributor']) {
      const r = host.file.resources.find((x) => x.symbol === symbol);
      expect(r && at(r.body, 'scope')?.raw, symbol).toBe('storage');
    }
    expect(onlyResource(host, 'Microsoft.Storage/storageAccounts').existing).toBe(true);
  });
});

describe('the host storage account', () => {
  const storage = template('infra/modules/storage.bicep');
  const scope = defaultScope(storage);

  it('holds the queues the app and the host use, poison queues included', () => {
    const queues = onlyResource(storage, 'Microsoft.Storage/storageAccounts/queueServices/queues');
    expect(queues.loop && evaluate(queues.loop.source, scope)).toEqual(['sweep-shards', 'sweep-shards-poison', 'remediation-jobs', 'remediation-jobs-poison']);
    const fromApp: string[] = Object.values(QUEUES);
    expect(queues.loop && (evaluate(queues.loop.source, scope) as string[]).slice().sort()).toEqual(fromApp.sort());
    const triggers = filesUnder(join(ROOT, 'src/functions'), '.ts').flatMap((f) => [...read(rel(f)).matchAll(/queueName: QUEUES\.(\w+)/g)].map((m) => QUEUES[(m[1] ?? '') as keyof typeof QUEUES] ?? ''));
    expect(triggers).toEqual(expect.arrayContaining(['sweep-shards', 'remediation-jobs', 'remediation-jobs-poison']));
    for (const q of triggers) expect(fromApp, `a trigger listens on ${q}`).toContain(q);
  });

  it('holds the findings table and the deadletter and deployment containers', () => {
    expect(valueAt(onlyResource(storage, 'Microsoft.Storage/storageAccounts/tableServices/tables'), 'name', scope)).toBe(DEFAULT_TABLE_NAME);
    const containers = storage.file.resources.filter((r) => r.type === 'Microsoft.Storage/storageAccounts/blobServices/containers').map((r) => at(r.body, 'name')?.raw);
    expect(containers).toEqual(['deploymentContainerName', 'deadLetterContainerName']);
    expect(evaluate(exprAt(resourceNamed(storage, 'deadLetterContainer'), 'name'), scope)).toBe('deadletter');
    const { scope: called } = calledScope(template('infra/main.bicep'), 'storage');
    expect(evaluate(exprAt(resourceNamed(storage, 'deploymentContainer'), 'name'), called)).toEqual(
      expect.objectContaining({ text: "'app-package-${take(functionAppName, 32)}-${take(resourceToken, 7)}'" }),
    );
  });

  it('expires dead letters only, after the configured days', () => {
    const policy = onlyResource(storage, 'Microsoft.Storage/storageAccounts/managementPolicies');
    const rules = valueAt(policy, 'properties.policy.rules', scope) as { definition: { filters: { prefixMatch: string[] }; actions: { baseBlob: { delete: unknown } } } }[];
    expect(rules.map((r) => r.definition.filters.prefixMatch)).toEqual([['deadletter/']]);
    expect(at(policy.body, 'properties.policy.rules.0.definition.actions.baseBlob.delete.daysAfterModificationGreaterThan')?.raw).toBe('deadLetterRetentionDays');
  });
});

describe('names and tags', () => {
  const main = template('infra/main.bicep');

  it('derive from one resourceToken over the subscription, environment and location', () => {
    const token = main.file.vars.find((v) => v.name === 'resourceToken');
    expect(token?.value.raw).toBe('toLower(uniqueString(subscription().id, environmentName, location))');
    const names = main.file.modules.map((m) => `${m.symbol}: ${at(m.body, 'params.name')?.raw ?? at(m.body, 'params.logAnalyticsName')?.raw ?? '-'}`);
    expect(names).toEqual([
      "identity: 'id-${resourceToken}'",
      "storage: 'st${resourceToken}'",
      "monitoring: 'log-${resourceToken}'",
      'rbacHost: -',
      'functionApp: functionAppName',
      'workbook: -',
    ]);
    expect(main.file.vars.find((v) => v.name === 'functionAppName')?.value.raw).toBe("'func-${resourceToken}'");
  });

  it("tag everything with azd-env-name and the Function App with azd-service-name 'api'", () => {
    expect(evaluate(varExpr(main, 'tags'), defaultScope(main))).toEqual({ 'azd-env-name': expect.objectContaining({ text: 'environmentName' }) });
    for (const m of main.file.modules.filter((x) => at(x.body, 'params.tags'))) expect(at(m.body, 'params.tags')?.raw, m.symbol).toBe('tags');
    const { target, scope } = calledScope(main, 'functionApp');
    const site = onlyResource(target, 'Microsoft.Web/sites');
    expect(valueAt(site, 'tags', scope)).toEqual({ 'azd-env-name': expect.objectContaining({ text: 'environmentName' }), 'azd-service-name': 'api' });
  });
});

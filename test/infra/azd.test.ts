/**
 * azd and CI: azure.yaml describes the Function App service and the hooks, main.parameters.json feeds
 * every required parameter of main.bicep from the azd environment, the hook scripts deploy the target
 * templates with the right arguments (run here against a stub `az`), and the workflows sign in with
 * OpenID Connect and run the same checks as a developer.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config';
import { parseYaml, yamlAt, type YamlValue } from './yaml';
import { compile, type ArmTemplate } from './arm';
import { filesUnder, INFRA, read, rel, ROOT } from './checks';
import { findBicep } from './tools';

const azure = parseYaml(read('azure.yaml'));
const parameters = JSON.parse(read('infra/main.parameters.json')) as { parameters: Record<string, { value: string }> };
const SETTING_ENVS: ReadonlySet<string> = new Set(Object.values(SETTINGS).map((s) => s.env));

/** Environment variables the hooks may read besides main.bicep's outputs and the WARDEN_* settings. */
const AZD_PROVIDED = ['AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_SUBSCRIPTION_ID'];
/** PowerShell's automatic variables that look like environment names. */
const SHELL_VARIABLES = ['LASTEXITCODE'];
const KNOBS = ['BACKUP_WARDEN_SKIP_GRANTS', 'BACKUP_WARDEN_ROLE_NAME', 'BACKUP_WARDEN_EVENTS', 'BACKUP_WARDEN_EVENT_SUBSCRIPTIONS', 'BACKUP_WARDEN_PRUNE_DEV_DEPENDENCIES'];

describe('azure.yaml', () => {
  it('names the project and its one service: the Function App, built from the repository root', () => {
    expect(yamlAt(azure, 'name')).toBe('backup-warden');
    expect(yamlAt(azure, 'services')).toEqual({ api: { project: '.', language: 'js', host: 'function' } });
    expect(yamlAt(azure, 'infra')).toEqual({ provider: 'bicep', path: 'infra', module: 'main' });
  });

  it('builds before deploy, grants after provision and wires Event Grid after deploy, on POSIX and Windows', () => {
    const hooks = yamlAt(azure, 'hooks') as Record<string, YamlValue>;
    expect(Object.keys(hooks)).toEqual(['predeploy', 'postprovision', 'postdeploy']);
    const expected: Record<string, string> = { predeploy: 'build', postprovision: 'grant-targets', postdeploy: 'wire-events' };
    for (const [hook, script] of Object.entries(expected)) {
      expect(yamlAt(hooks, hook, 'posix'), hook).toEqual({ shell: 'sh', run: `./infra/scripts/${script}.sh`, continueOnError: 'false' });
      expect(yamlAt(hooks, hook, 'windows'), hook).toEqual({ shell: 'pwsh', run: `./infra/scripts/${script}.ps1`, continueOnError: 'false' });
      expect(existsSync(join(ROOT, `infra/scripts/${script}.sh`)), script).toBe(true);
      expect(existsSync(join(ROOT, `infra/scripts/${script}.ps1`)), script).toBe(true);
    }
    for (const script of ['build', 'grant-targets', 'wire-events']) {
      expect(statSync(join(ROOT, `infra/scripts/${script}.sh`)).mode & 0o111, `${script}.sh is executable`).not.toBe(0);
    }
  });

  it('the build hook installs the lockfile and compiles, on both shells', () => {
    for (const f of ['infra/scripts/build.sh', 'infra/scripts/build.ps1']) {
      const text = read(f);
      expect(text, f).toContain('npm ci --no-audit --no-fund');
      expect(text, f).toContain('npm run build');
      expect(text.indexOf('npm ci'), f).toBeLessThan(text.indexOf('npm run build'));
      expect(text, f).toContain('npm ci --omit=dev --workspaces=false --ignore-scripts');
    }
    expect(JSON.parse(read('package.json')).scripts.build).toContain('tsc -p tsconfig.build.json');
    expect(read('.funcignore').split('\n')).toEqual(
      expect.arrayContaining(['/infra/', '/src/', '/test/', '/.github/']),
    );
  });
});

describe.skipIf(!findBicep())('infra/main.parameters.json against the compiled main.bicep', () => {
  let main: ArmTemplate;
  beforeAll(() => {
    main = compile('infra/main.bicep');
  });

  it('gives every required parameter of main.bicep, and only parameters main.bicep declares', () => {
    const declared = Object.keys(main.parameters ?? {});
    const required = Object.entries(main.parameters ?? {})
      .filter(([, p]) => !('defaultValue' in p))
      .map(([name]) => name);
    expect(required).toEqual(['environmentName', 'location']);
    expect(Object.keys(parameters.parameters).filter((k) => !declared.includes(k))).toEqual([]);
    for (const r of required) expect(Object.keys(parameters.parameters), r).toContain(r);
  });

  it('names outputs for every variable the hook scripts read', () => {
    const outputs = Object.keys(main.outputs ?? {});
    for (const name of ['AZURE_FUNCTION_APP_ID', 'AZURE_RESOURCE_GROUP', 'AZURE_STORAGE_ACCOUNT_NAME', 'BACKUP_WARDEN_PRINCIPAL_ID'])
      expect(outputs, name).toContain(name);
    const scripts = filesUnder(join(INFRA, 'scripts')).map(rel);
    for (const f of scripts) {
      const names = new Set([...read(f).matchAll(/\$\{?(?:env:)?([A-Z][A-Z0-9_]{3,})/g)].map((m) => m[1] ?? ''));
      for (const n of names) {
        const known =
          outputs.includes(n) ||
          AZD_PROVIDED.includes(n) ||
          SETTING_ENVS.has(n) ||
          KNOBS.includes(n) ||
          SHELL_VARIABLES.includes(n);
        expect(known, `${f} reads ${n}`).toBe(true);
      }
    }
  });
});

describe('infra/main.parameters.json', () => {
  it('reads the azd environment', () => {
    expect(parameters.parameters.environmentName?.value).toBe('${AZURE_ENV_NAME}');
    expect(parameters.parameters.location?.value).toBe('${AZURE_LOCATION}');
  });

  it('maps each warden parameter to its setting variable, with the app default', () => {
    const mapped = Object.entries(parameters.parameters).filter(([k]) => k.startsWith('warden'));
    expect(mapped.map(([k]) => k)).toEqual(['wardenMode', 'wardenSubscriptions', 'wardenManagementGroups', 'wardenSweepSchedule']);
    for (const [name, { value }] of mapped) {
      const setting = SETTINGS[(name.charAt(6).toLowerCase() + name.slice(7)) as keyof typeof SETTINGS];
      const m = /^\$\{(\w+)=(.*)\}$/.exec(value);
      expect(m?.[1], name).toBe(setting.env);
      const fallback = Array.isArray(setting.default) ? setting.default.join(',') : String(setting.default);
      expect(m?.[2], name).toBe(fallback);
    }
    expect(parameters.parameters.wardenMode?.value).toBe('${WARDEN_MODE=report}');
  });
});

describe('the hook scripts', () => {
  const scriptFiles = filesUnder(join(INFRA, 'scripts')).map(rel);

  it('are a POSIX and a PowerShell version of each hook', () => {
    expect(scriptFiles).toEqual(['build.ps1', 'build.sh', 'grant-targets.ps1', 'grant-targets.sh', 'wire-events.ps1', 'wire-events.sh'].map((f) => `infra/scripts/${f}`));
  });

  it('document every knob they read in infra/README.md', () => {
    const readme = read('infra/README.md');
    for (const knob of KNOBS) expect(readme, knob).toContain(knob);
  });

  it('mention no WARDEN_* variable the app does not know (it rejects unknown ones)', () => {
    const files = [...filesUnder(INFRA), join(ROOT, 'azure.yaml'), ...filesUnder(join(ROOT, '.github'))];
    for (const f of files) {
      for (const m of readFileSync(f, 'utf8').matchAll(/\bWARDEN_[A-Z0-9_]+/g)) expect(SETTING_ENVS.has(m[0]), `${rel(f)}: ${m[0]}`).toBe(true);
    }
  });

  describe.skipIf(process.platform === 'win32')('run against a stub az', () => {
    const run = (script: string, env: Record<string, string>): string[] => {
      const dir = mkdtempSync(join(tmpdir(), 'az-stub-'));
      const log = join(dir, 'az.log');
      writeFileSync(join(dir, 'az'), `#!/bin/sh\nprintf '%s\\n' "$*" >> "${log}"\nif [ "$1" = graph ]; then printf 'sub-under-mg-1\\nsub-under-mg-2\\n'; fi\n`);
      chmodSync(join(dir, 'az'), 0o755);
      writeFileSync(log, '');
      execFileSync('sh', [join(ROOT, 'infra/scripts', script)], { env: { PATH: `${dir}:${process.env.PATH ?? ''}`, HOME: dir, ...env }, stdio: 'pipe' });
      return readFileSync(log, 'utf8').split('\n').filter(Boolean);
    };
    const provisioned = { AZURE_LOCATION: 'eastus', AZURE_SUBSCRIPTION_ID: 'host-sub', BACKUP_WARDEN_PRINCIPAL_ID: 'principal-1' };
    const deployed = { ...provisioned, AZURE_FUNCTION_APP_ID: '/subscriptions/host-sub/resourceGroups/rg-x/providers/Microsoft.Web/sites/func-x', AZURE_RESOURCE_GROUP: 'rg-x', AZURE_STORAGE_ACCOUNT_NAME: 'stx' };
    const targets = join(ROOT, 'infra/targets');

    it('grant-targets: one deployment for the listed subscriptions, at the first of them', () => {
      expect(run('grant-targets.sh', { ...provisioned, WARDEN_SUBSCRIPTIONS: 'sub-a, sub-b' })).toEqual([
        `deployment sub create --subscription sub-a --location eastus --name backup-warden-targets --template-file ${targets}/targets-subscriptions.bicep --parameters principalId=principal-1 subscriptionIds=["sub-a","sub-b"] roleName=backup-warden remediator --only-show-errors --output none`,
      ]);
    });

    it('grant-targets: the central backup subscription (WARDEN_VAULT_SUBSCRIPTION) with the subscriptions', () => {
      expect(
        run('grant-targets.sh', { ...provisioned, WARDEN_SUBSCRIPTIONS: 'sub-a', WARDEN_VAULT_SUBSCRIPTION: 'sub-backup' }),
      ).toEqual([
        `deployment sub create --subscription sub-a --location eastus --name backup-warden-targets --template-file ${targets}/targets-subscriptions.bicep --parameters principalId=principal-1 subscriptionIds=["sub-a"] roleName=backup-warden remediator vaultSubscriptionId=sub-backup --only-show-errors --output none`,
      ]);
    });

    it('grant-targets: a management group alone, and the host subscription when nothing is set', () => {
      expect(run('grant-targets.sh', { ...provisioned, WARDEN_MANAGEMENT_GROUPS: 'mg-prod' })).toEqual([
        `deployment mg create --management-group-id mg-prod --location eastus --name backup-warden-targets --template-file ${targets}/targets-managementgroup.bicep --parameters principalId=principal-1 roleName=backup-warden remediator --only-show-errors --output none`,
      ]);
      expect(run('grant-targets.sh', provisioned)).toEqual([
        `deployment sub create --subscription host-sub --location eastus --name backup-warden-targets --template-file ${targets}/targets-subscriptions.bicep --parameters principalId=principal-1 subscriptionIds=["host-sub"] roleName=backup-warden remediator --only-show-errors --output none`,
      ]);
      expect(run('grant-targets.sh', { ...provisioned, BACKUP_WARDEN_SKIP_GRANTS: 'true' })).toEqual([]);
    });

    it('wire-events: one Event Grid deployment per subscription, below a management group found with Resource Graph', () => {
      const calls = run('wire-events.sh', { ...deployed, WARDEN_MANAGEMENT_GROUPS: 'mg-prod' });
      expect(calls[0]).toMatch(/^graph query -q resourcecontainers \| where type =~ 'microsoft\.resources\/subscriptions' \| project subscriptionId --management-groups mg-prod --first 1000/);
      const params = `--parameters functionAppId=${deployed.AZURE_FUNCTION_APP_ID} hostSubscriptionId=host-sub hostResourceGroupName=rg-x storageAccountName=stx --only-show-errors --output none`;
      expect(calls.slice(1)).toEqual(['sub-under-mg-1', 'sub-under-mg-2'].map((s) => `deployment sub create --subscription ${s} --location eastus --name backup-warden-events --template-file ${targets}/eventgrid.bicep ${params}`));
      expect(run('wire-events.sh', { ...deployed, WARDEN_SUBSCRIPTIONS: 'sub-a' }).map((c) => c.split(' --location')[0])).toEqual(['deployment sub create --subscription sub-a']);
      expect(run('wire-events.sh', { ...deployed, BACKUP_WARDEN_EVENTS: 'false' })).toEqual([]);
    });

    it('stop with a message when provision has not run', () => {
      expect(() => run('grant-targets.sh', { AZURE_LOCATION: 'eastus' })).toThrow(/BACKUP_WARDEN_PRINCIPAL_ID/);
      expect(() => run('wire-events.sh', provisioned)).toThrow(/AZURE_FUNCTION_APP_ID/);
    });
  });
});

describe('the workflows', () => {
  const deploy = parseYaml(read('.github/workflows/deploy.yml'));
  const ci = parseYaml(read('.github/workflows/ci.yml'));
  const steps = (wf: YamlValue, job: string): Record<string, YamlValue>[] => (yamlAt(wf, 'jobs', job, 'steps') as Record<string, YamlValue>[] | undefined) ?? [];

  it('deploy signs in with OpenID Connect only and may read the repository only', () => {
    expect(yamlAt(deploy, 'permissions')).toEqual({ 'id-token': 'write', contents: 'read' });
    const login = steps(deploy, 'deploy').find((s) => s.uses === 'azure/login@v2');
    expect(yamlAt(login, 'with')).toEqual({ 'client-id': '${{ vars.AZURE_CLIENT_ID }}', 'tenant-id': '${{ vars.AZURE_TENANT_ID }}', 'subscription-id': '${{ vars.AZURE_SUBSCRIPTION_ID }}' });
    expect(read('.github/workflows/deploy.yml')).not.toMatch(/secrets\./);
    expect(steps(deploy, 'deploy').map((s) => s.run).filter(Boolean)).toEqual([
      'azd auth login --client-id "$AZURE_CLIENT_ID" --federated-credential-provider github --tenant-id "$AZURE_TENANT_ID"',
      'azd provision --no-prompt',
      'azd deploy --no-prompt',
    ]);
  });

  it('deploy installs azd and Node 22, and gives azd its environment', () => {
    const uses = steps(deploy, 'deploy').map((s) => s.uses).filter(Boolean);
    expect(uses).toEqual(['actions/checkout@v4', 'actions/setup-node@v4', 'Azure/setup-azd@v2', 'azure/login@v2']);
    expect(yamlAt(steps(deploy, 'deploy')[1], 'with', 'node-version')).toBe('22');
    const env = yamlAt(deploy, 'jobs', 'deploy', 'env') as Record<string, string>;
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['AZURE_ENV_NAME', 'AZURE_LOCATION', 'AZURE_SUBSCRIPTION_ID', 'AZURE_CLIENT_ID', 'AZURE_TENANT_ID', 'WARDEN_MODE']));
    expect(env.WARDEN_MODE).toBe("${{ vars.WARDEN_MODE || 'report' }}");
    expect(env.BACKUP_WARDEN_PRUNE_DEV_DEPENDENCIES).toBe('true');
  });

  it('ci runs npm test and the infra checks with the real tools on ubuntu with Node 22, and fidelity where shared/ is', () => {
    expect(yamlAt(ci, 'jobs', 'test', 'runs-on')).toBe('ubuntu-latest');
    expect(yamlAt(ci, 'permissions')).toEqual({ contents: 'read' });
    expect(yamlAt(ci, 'jobs', 'test', 'env')).toEqual({ BACKUP_WARDEN_REQUIRE_INFRA_TOOLS: '1' });
    const s = steps(ci, 'test');
    expect(yamlAt(s[1], 'with', 'node-version')).toBe('22');
    const runs = s.map((x) => String(x.run ?? '')).join('\n');
    expect(runs).toContain('npm ci --no-audit --no-fund');
    expect(runs).toContain('dotnet restore tools/tools.csproj');
    expect(runs).toContain('dotnet tool install --tool-path tools/.dotnet-tools PowerShell --version 7.6.10');
    expect(runs).toContain('apt-get install -y -qq shellcheck');
    expect(runs.indexOf('npm test')).toBeLessThan(runs.indexOf('npm run test:infra'));
    expect(runs).toMatch(/if \[ -d \.\.\/shared \]; then npm run test:fidelity;/);
    const ciRun = read('.ci/run');
    for (const suite of ['run unit', 'run fidelity', 'run infra']) expect(ciRun).toContain(suite);
    expect(existsSync(join(ROOT, '.ci/run'))).toBe(true);
  });
});

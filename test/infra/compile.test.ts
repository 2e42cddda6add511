/**
 * Every template compiles with the real Bicep CLI, and `bicep build` and `bicep lint` report nothing: no error and
 * no warning (a warning that is waived is waived in infra/bicepconfig.json, with its reason).
 */
import { describe, expect, it } from 'vitest';
import { bicepFiles, compile, compiledInfra } from './arm';
import { findBicep } from './tools';

const EXPECTED = [
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

describe.skipIf(!findBicep())('the Bicep compiler', () => {
  it('finds the expected templates', () => {
    expect(bicepFiles()).toEqual(EXPECTED);
  });

  it('builds every template with no error and no warning', () => {
    const { build } = compiledInfra();
    expect(build.lines).toEqual([]);
    expect(build.status).toBe(0);
    for (const path of EXPECTED) expect(() => compile(path), path).not.toThrow();
  });

  it('lints every template with no error and no warning', () => {
    const { lint } = compiledInfra();
    expect(lint.lines).toEqual([]);
    expect(lint.status).toBe(0);
  });

  it('deploys each entry point at the scope it is meant for', () => {
    const schema = (p: string): string => /schemas\/[^/]+\/(\w+)\.json/.exec(compile(p).$schema)?.[1] ?? '';
    expect({
      main: schema('infra/main.bicep'),
      eventgrid: schema('infra/targets/eventgrid.bicep'),
      subscriptions: schema('infra/targets/targets-subscriptions.bicep'),
      managementGroup: schema('infra/targets/targets-managementgroup.bicep'),
    }).toEqual({
      main: 'subscriptionDeploymentTemplate',
      eventgrid: 'subscriptionDeploymentTemplate',
      subscriptions: 'subscriptionDeploymentTemplate',
      managementGroup: 'managementGroupDeploymentTemplate',
    });
  });
});

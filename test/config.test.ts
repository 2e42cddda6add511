import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, engineConfigOf, loadConfig, OTHER_ENV, SETTINGS } from '../src/config';
import { DEFAULT_ENGINE_CONFIG } from '../src/core/engine-config';

const dir = mkdtempSync(join(tmpdir(), 'warden-config-'));
const file = (content: unknown): string => {
  const p = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content));
  return p;
};
const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('defaults to report mode and the engine defaults', () => {
    const c = loadConfig({ env: {} });
    expect(c.mode).toBe('report');
    expect(engineConfigOf(c)).toEqual(DEFAULT_ENGINE_CONFIG);
  });

  it('reads WARDEN_* variables over the file, and parses booleans, integers and lists', () => {
    const c = loadConfig({
      file: file({ maxActions: 10, mode: 'remediate', policyName: 'Gold' }),
      env: { WARDEN_MAX_ACTIONS: '20', WARDEN_INITIAL_BACKUP: 'true', WARDEN_SUBSCRIPTIONS: 'a, b,,c', PATH: '/bin' },
    });
    expect(c).toMatchObject({
      maxActions: 20,
      mode: 'remediate',
      policyName: 'Gold',
      initialBackup: true,
      subscriptions: ['a', 'b', 'c'],
    });
  });

  it('names every unknown or invalid key at once', () => {
    const p = problems(() =>
      loadConfig({
        file: file({ maxActoins: 3, storageRedundancy: 'Cheap' }),
        env: { WARDEN_MODE: 'fix-everything', WARDEN_FOO: '1', WARDEN_ARM_ENDPOINT: 'http://localhost' },
      }),
    );
    expect(p).toHaveLength(5);
    expect(p.join('\n')).toContain("unknown key 'maxActoins'");
    expect(p.join('\n')).toContain('environment: unknown variable WARDEN_FOO');
    expect(p.join('\n')).toMatch(/WARDEN_MODE: .*"fix-everything"/);
    expect(p.join('\n')).toMatch(/storageRedundancy: .*"Cheap"/);
    expect(p.join('\n')).toMatch(/WARDEN_ARM_ENDPOINT: expected an https:\/\/ URL/);
  });

  it('rejects a file that is not a JSON object', () => {
    expect(problems(() => loadConfig({ file: file('[1,2]'), env: {} }))[0]).toMatch(/expected a JSON object/);
    expect(problems(() => loadConfig({ file: file('{'), env: {} }))[0]).toMatch(/\.json: /);
  });

  it('lets overrides (CLI flags) win', () => {
    expect(loadConfig({ env: { WARDEN_MAX_ACTIONS: '9' }, overrides: { maxActions: 3 } }).maxActions).toBe(3);
  });

  it('documents every setting in local.settings.sample.json and the README', () => {
    const sample = JSON.parse(readFileSync('local.settings.sample.json', 'utf8')) as { Values: Record<string, string> };
    const wardenKeys = Object.keys(sample.Values)
      .filter((k) => k.startsWith('WARDEN_'))
      .sort();
    expect(wardenKeys).toEqual(
      Object.values(SETTINGS)
        .map((s) => s.env)
        .sort(),
    );
    for (const k of OTHER_ENV) expect(sample.Values).toHaveProperty(k);
    expect(sample.Values.WARDEN_MODE).toBe('report');
    expect(() => loadConfig({ env: sample.Values })).not.toThrow();
    const readme = readFileSync('README.md', 'utf8');
    for (const [name, s] of Object.entries(SETTINGS)) {
      expect(readme).toContain(`\`${s.env}\``);
      expect(readme).toContain(`\`${name}\``);
    }
  });
});

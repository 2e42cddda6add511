/**
 * The README's generated sections are current: the configuration table matches the settings schema, the
 * rule catalogue the rule registry, the permissions the action registry. `npm run readme` regenerates them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config';
import { RULES } from '../../src/core/rules';
import { configTable, ruleCatalogue, SETTING_MEANINGS, updateReadme } from '../../src/cli/readme';

const readme = readFileSync('README.md', 'utf8');

describe('the README', () => {
  it('has its generated sections current (run `npm run readme` after changing a setting, rule or action)', () => {
    expect(updateReadme(readme)).toBe(readme);
  });

  it('documents every setting of the schema, and only those', () => {
    expect(Object.keys(SETTING_MEANINGS).sort()).toEqual(Object.keys(SETTINGS).sort());
    for (const [key, s] of Object.entries(SETTINGS)) expect(configTable()).toContain(`| \`${key}\` | \`${s.env}\` |`);
  });

  it('lists every rule of the registry with its severity', () => {
    for (const r of RULES) expect(ruleCatalogue()).toContain(`| \`${r.id}\` | ${r.severity} |`);
  });

  it('names a missing marker instead of guessing', () => {
    expect(() => updateReadme('# no markers')).toThrow(/generated:config .* are missing/);
  });
});

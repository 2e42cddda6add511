/**
 * docs/emulator.md lists what the emulator serves, generated from the code: the endpoints with their
 * api-versions, the Resource Graph tables, and the KQL operators, functions and aggregates the
 * interpreter implements. The block between the `generated` markers must equal what the code says now;
 * `UPDATE_EMULATOR_DOCS=1 npx vitest run test/emulator/kql-docs.test.ts` rewrites it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { API_VERSIONS, SDK_API_VERSIONS } from '../../packages/emulator/src/arm';
import { executeKql } from '../../packages/emulator/src/kql';
import { AGGREGATES, ROW_AGGREGATES, SCALAR_FUNCTIONS } from '../../packages/emulator/src/kql/functions';
import { getKusto } from '../../packages/emulator/src/kql/kusto';
import { SCALAR_OPERATORS, TABULAR_OPERATORS } from '../../packages/emulator/src/kql/parse';
import { RESOURCE_GRAPH_TABLES } from '../../packages/emulator/src/kql/tables';
import { backupRoutes } from '../../packages/emulator/src/routes/backup';
import { computeRoutes } from '../../packages/emulator/src/routes/compute';
import { networkRoutes } from '../../packages/emulator/src/routes/network';
import { networkPathRoutes } from '../../packages/emulator/src/routes/networkPath';
import { resourceGraphRoutes } from '../../packages/emulator/src/routes/resourceGraph';
import { resourceRoutes } from '../../packages/emulator/src/routes/resources';
import { vaultRoutes } from '../../packages/emulator/src/routes/vaults';

const DOC = path.join(__dirname, '..', '..', 'docs', 'emulator.md');
const START = '<!-- generated:start (test/emulator/kql-docs.test.ts) -->';
const END = '<!-- generated:end -->';

const code = (xs: readonly string[]): string => xs.map((x) => `\`${x}\``).join(', ');

/** The generated part of docs/emulator.md. */
function generated(): string {
  const routes = [
    ['Resource Graph', resourceGraphRoutes],
    ['Resources', resourceRoutes],
    ['Compute', computeRoutes],
    ['Network', [...networkRoutes, ...networkPathRoutes]],
    ['Recovery Services vaults', vaultRoutes],
    ['Azure Backup', backupRoutes],
  ] as const;
  const lines: string[] = [
    START,
    '',
    '### Endpoints',
    '',
    '| provider | method | path | api-versions |',
    '|---|---|---|---|',
  ];
  for (const [provider, list] of routes) {
    for (const r of list) lines.push(`| ${provider} | ${r.method} | \`${r.pattern}\` | ${r.apiVersions.join(', ')} |`);
  }
  lines.push('', '### The api-versions the pinned SDKs send', '', '| family | version |', '|---|---|');
  for (const [family, version] of Object.entries(SDK_API_VERSIONS)) lines.push(`| ${family} | ${version} |`);
  lines.push('', '### Resource Graph tables', '', code(RESOURCE_GRAPH_TABLES));
  lines.push('', '### Tabular operators and query forms', '', code(TABULAR_OPERATORS));
  lines.push('', '### Scalar operators', '', code(SCALAR_OPERATORS));
  lines.push('', '### Scalar functions', '', code(Object.keys(SCALAR_FUNCTIONS).sort()));
  lines.push('', '### Aggregation functions', '', code([...Object.keys(AGGREGATES), ...ROW_AGGREGATES].sort()));
  lines.push('', END);
  return lines.join('\n');
}

describe('docs/emulator.md', () => {
  it('lists the endpoints, tables, operators and functions as the code has them', () => {
    let doc = readFileSync(DOC, 'utf8');
    const from = doc.indexOf(START);
    const to = doc.indexOf(END);
    expect(from, 'the generated markers').toBeGreaterThanOrEqual(0);
    expect(to).toBeGreaterThan(from);
    if (process.env['UPDATE_EMULATOR_DOCS'] === '1') {
      doc = doc.slice(0, from) + generated() + doc.slice(to + END.length);
      writeFileSync(DOC, doc);
    }
    expect(doc.slice(from, doc.indexOf(END) + END.length)).toBe(generated());
  });

  it('lists only functions Kusto itself has', () => {
    const known = new Set([
      ...getKusto().Language.Functions.All.map((f) => f.Name),
      ...getKusto().Language.Aggregates.All.map((f) => f.Name),
    ]);
    const listed = [...Object.keys(SCALAR_FUNCTIONS), ...Object.keys(AGGREGATES), ...ROW_AGGREGATES];
    expect(listed.filter((f) => !known.has(f))).toEqual([]);
  });

  it('keeps the SDK version first among each family of accepted api-versions', () => {
    for (const [family, version] of Object.entries(SDK_API_VERSIONS))
      expect(API_VERSIONS[family as keyof typeof API_VERSIONS][0]).toBe(version);
  });

  const T = { Resources: [{ id: '/a', name: 'a', type: 't', properties: { xs: [1, 2], s: 'k=v' } }] };
  const EXAMPLES: Record<string, string> = {
    where: "Resources | where name == 'a' | count",
    project: 'Resources | project name',
    'project-away': 'Resources | project-away properties',
    'project-keep': 'Resources | project-keep name',
    'project-rename': 'Resources | project-rename n = name',
    'project-reorder': 'Resources | project-reorder name',
    extend: 'Resources | extend n = strlen(name)',
    summarize: 'Resources | summarize count() by type',
    sort: 'Resources | sort by name asc',
    order: 'Resources | order by name asc',
    take: 'Resources | take 1',
    limit: 'Resources | limit 1',
    top: 'Resources | top 1 by name',
    distinct: 'Resources | distinct type',
    count: 'Resources | count',
    'mv-expand': 'Resources | mv-expand x = properties.xs',
    'mv-apply': 'Resources | mv-apply x = properties.xs on (summarize s = sum(toint(x)))',
    join: 'Resources | join kind=inner (Resources | project id, n = name) on id',
    lookup: 'Resources | lookup (Resources | project id, n = name) on id',
    union: 'Resources | union (Resources)',
    parse: "Resources | parse tostring(properties.s) with 'k=' v",
    print: 'print x = 1',
    range: 'range i from 1 to 3 step 1',
    datatable: "datatable(a:long, b:string)[1, 'x']",
    let: 'let f = (x:long) { x + 1 }; let n = 2; print y = f(n)',
  };

  it.each([...TABULAR_OPERATORS])('%s runs', (op) => {
    const query = EXAMPLES[op];
    expect(query, `an example for ${op}`).toBeDefined();
    expect(executeKql(query as string, T).length).toBeGreaterThan(0);
  });
});

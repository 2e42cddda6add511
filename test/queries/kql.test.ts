/**
 * Every query the app sends (src/queries/*.kql) parses and analyses with zero diagnostics in Microsoft's
 * Kusto language service, against a declared schema of the Resource Graph columns it uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Diagnostic { Code: string; Message: string; Start: number; Severity: string }
interface KustoGlobal {
  Language: {
    KustoCode: { ParseAndAnalyze(text: string, globals: unknown): { GetDiagnostics(): { Count: number; getItem(i: number): Diagnostic } } };
    GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
    Symbols: {
      ColumnSymbol: new (name: string, type: unknown, a: null, b: null, c: null, d: null) => unknown;
      TableSymbol: { $ctor4: new (name: string, columns: unknown[]) => unknown };
      DatabaseSymbol: { $ctor3: new (name: string, a: null, tables: unknown[], b: boolean) => unknown };
      ScalarTypes: Record<'String' | 'Dynamic', unknown>;
    };
  };
}

/** The columns of Resources and RecoveryServicesResources that the queries use. */
const SCHEMA: Record<string, Record<string, 'String' | 'Dynamic'>> = {
  Resources: { id: 'String', name: 'String', type: 'String', location: 'String', resourceGroup: 'String', subscriptionId: 'String', tags: 'Dynamic', properties: 'Dynamic', sku: 'Dynamic' },
  RecoveryServicesResources: { id: 'String', name: 'String', type: 'String', location: 'String', resourceGroup: 'String', subscriptionId: 'String', properties: 'Dynamic' },
};

function loadKusto(): KustoGlobal {
  const req = createRequire(__filename);
  req('@kusto/language-service-next/bridge.min.js');
  req('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  return (globalThis as unknown as { Kusto: KustoGlobal }).Kusto;
}

const dir = join(__dirname, '../../src/queries');
const files = readdirSync(dir).filter((f) => f.endsWith('.kql')).sort();

describe('src/queries/*.kql', () => {
  const K = loadKusto();
  const S = K.Language.Symbols;
  const tables = Object.entries(SCHEMA).map(([name, cols]) => new S.TableSymbol.$ctor4(name, Object.entries(cols).map(([c, t]) => new S.ColumnSymbol(c, S.ScalarTypes[t], null, null, null, null))));
  const globals = K.Language.GlobalState.Default.WithDatabase(new S.DatabaseSymbol.$ctor3('resourcegraph', null, tables, false));
  const diagnosticsOf = (text: string): string[] => {
    const list = K.Language.KustoCode.ParseAndAnalyze(text, globals).GetDiagnostics();
    return Array.from({ length: list.Count }, (_, i) => list.getItem(i)).map((d) => `${d.Code} at ${d.Start}: ${d.Message}`);
  };

  it('holds one query per inventory kind', () => {
    expect(files).toEqual(['network-interfaces.kql', 'network-security-groups.kql', 'protected-items.kql', 'vaults.kql', 'virtual-machines.kql', 'virtual-networks.kql']);
  });

  it.each(files)('%s has zero diagnostics and projects id', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(diagnosticsOf(text)).toEqual([]);
    expect(text).toMatch(/\|\s*project\s+id\b/);
  });

  it('would catch a misspelt column or a syntax error', () => {
    expect(diagnosticsOf('Resources | project idd').length).toBeGreaterThan(0);
    expect(diagnosticsOf('Resources | where type =~').length).toBeGreaterThan(0);
    expect(diagnosticsOf('Resources | project id, sku2').length).toBeGreaterThan(0);
  });
});

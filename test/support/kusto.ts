/**
 * Microsoft's Kusto language service (@kusto/language-service-next) for tests: analyse a query against a
 * declared schema and return its diagnostics, as Resource Graph Explorer or Log Analytics would.
 */
import { createRequire } from 'node:module';

interface Diagnostic {
  Code: string;
  Message: string;
  Start: number;
}
interface KustoGlobal {
  Language: {
    KustoCode: {
      ParseAndAnalyze(
        text: string,
        globals: unknown,
      ): { GetDiagnostics(): { Count: number; getItem(i: number): Diagnostic } };
    };
    GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
    Symbols: {
      ColumnSymbol: new (name: string, type: unknown, a: null, b: null, c: null, d: null) => unknown;
      TableSymbol: { $ctor4: new (name: string, columns: unknown[]) => unknown };
      DatabaseSymbol: { $ctor3: new (name: string, a: null, tables: unknown[], b: boolean) => unknown };
      ScalarTypes: Record<ColumnType, unknown>;
    };
  };
}

/** The column types the schemas use. */
export type ColumnType = 'String' | 'Dynamic' | 'DateTime' | 'Long' | 'Real' | 'Bool';

let kusto: KustoGlobal | undefined;

function loadKusto(): KustoGlobal {
  if (!kusto) {
    const req = createRequire(__filename);
    req('@kusto/language-service-next/bridge.min.js');
    req('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
    kusto = (globalThis as unknown as { Kusto: KustoGlobal }).Kusto;
  }
  return kusto;
}

/** An analyser over tables of the given columns: returns `CODE at OFFSET: message` per diagnostic (none = valid). */
export function kustoAnalyser(
  database: string,
  tables: Record<string, Record<string, ColumnType>>,
): (kql: string) => string[] {
  const K = loadKusto();
  const S = K.Language.Symbols;
  const symbols = Object.entries(tables).map(
    ([name, cols]) =>
      new S.TableSymbol.$ctor4(
        name,
        Object.entries(cols).map(([c, t]) => new S.ColumnSymbol(c, S.ScalarTypes[t], null, null, null, null)),
      ),
  );
  const globals = K.Language.GlobalState.Default.WithDatabase(
    new S.DatabaseSymbol.$ctor3(database, null, symbols, false),
  );
  return (kql) => {
    const list = K.Language.KustoCode.ParseAndAnalyze(kql, globals).GetDiagnostics();
    return Array.from({ length: list.Count }, (_, i) => list.getItem(i)).map(
      (d) => `${d.Code} at ${d.Start}: ${d.Message}`,
    );
  };
}

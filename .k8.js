require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = globalThis.Kusto;
const S = K.Language.Symbols;
const T = S.ScalarTypes;
console.log(Object.keys(T).filter(k => /^[A-Z]/.test(k)).join(','));
const cols = [['id',T.String],['kind',T.String],['my col',T.Long],['properties',T.Dynamic],['where',T.Bool]].map(([n,t]) => new S.ColumnSymbol(n, t, null, null, null, null));
const t1 = new S.TableSymbol.$ctor4('Resources', cols);
const t2 = new S.TableSymbol.$ctor4('resources', cols);
const db = new S.DatabaseSymbol.$ctor3('db', null, [t1, t2], false);
const g = K.Language.GlobalState.Default.WithDatabase(db);
let t0 = Date.now();
for (const q of ["Resources | project kind, ['my col'], ['where'], properties.x", "resources | where kind == 'x' | count", "Resources | where nope == 1"]) {
  const code = K.Language.KustoCode.ParseAndAnalyze(q, g);
  const rt = code.ResultType; const out=[];
  if (rt && rt.Columns) for (let i=0;i<rt.Columns.Count;i++){ const c=rt.Columns.getItem(i); out.push(c.Name+':'+c.Type.Name); }
  const d = code.GetDiagnostics(); const ds=[]; for (let i=0;i<d.Count;i++){ const x=d.getItem(i); ds.push(x.Code+' '+x.Message+' '+x.Start+' '+x.Severity); }
  console.log(q, '=>', out.join(','), ds, Date.now()-t0); t0 = Date.now();
}

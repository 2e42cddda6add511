require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = globalThis.Kusto;
const S = K.Language.Symbols;
const schema = '(id:string, name:string, type:string, location:string, resourceGroup:string, subscriptionId:string, properties:dynamic, tags:dynamic, sku:dynamic, kind:string, tenantId:string, managedBy:string, plan:dynamic, identity:dynamic, zones:dynamic, extendedLocation:dynamic)';
const t1 = new S.TableSymbol.$ctor7('Resources', schema, null);
const t2 = new S.TableSymbol.$ctor7('RecoveryServicesResources', schema, null);
const db = new S.DatabaseSymbol.$ctor3('db', null, [t1,t2], false);
let g = K.Language.GlobalState.Default.WithDatabase(db);
for (const q of process.argv.slice(2)) {
  const code = K.Language.KustoCode.ParseAndAnalyze(q, g);
  const rt = code.ResultType;
  const cols = [];
  if (rt && rt.Columns) { for (let i=0;i<rt.Columns.Count;i++){ const c=rt.Columns.getItem(i); cols.push(c.Name+':'+c.Type.Name);} }
  console.log(q, '\n   =>', cols.join(', '));
  const diags = code.GetDiagnostics();
  for (let i=0;i<diags.Count;i++){ const d=diags.getItem(i); console.log('   DIAG', d.Code, d.Message, d.Start, d.Length, d.Severity, d.Category); }
}

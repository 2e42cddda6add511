require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = globalThis.Kusto;
for (const q of process.argv.slice(2)) {
  const code = K.Language.KustoCode.Parse(q);
  const diags = code.GetDiagnostics();
  console.log(JSON.stringify(q));
  for (let i=0;i<diags.Count;i++){ const d=diags.getItem(i); console.log('   DIAG', d.Code, JSON.stringify(d.Message), d.Start, d.Length, d.Severity, d.HasLocation, JSON.stringify(q.substr(d.Start, d.Length))); }
}

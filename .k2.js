require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = globalThis.Kusto;
const q = process.argv[2];
const code = K.Language.KustoCode.Parse(q);
function kindName(k){ return System.Enum.toString(K.Language.Syntax.SyntaxKind, k); }
function dump(n, d) {
  if (!n) { console.log(' '.repeat(d*2)+'null'); return; }
  const name = Bridge.getTypeName(n).replace('Kusto.Language.Syntax.','');
  let extra = '';
  if (n.ChildCount===0) extra = JSON.stringify(n.Text);
  console.log(' '.repeat(d*2) + name + ' ' + extra + ' ' + kindName(n.Kind));
  for (let i=0;i<n.ChildCount;i++) dump(n.GetChild(i), d+1);
}
dump(code.Syntax, 0);
const diags = code.GetDiagnostics();
for (let i=0;i<diags.Count;i++){ const d=diags.getItem(i); console.log('DIAG', d.Code, d.Message, d.Start, d.Length, d.Severity); }

const t0=Date.now();
require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
console.log('load', Date.now()-t0);
const K = globalThis.Kusto;
const q = `Resources | where type =~ 'microsoft.compute/virtualmachines' | extend x = properties.a.b, y = properties['c'][0] | project id, x, z=tolower(name) | join kind=leftouter (RecoveryServicesResources | project id) on $left.id == $right.id | summarize count() by tostring(x)`;
const t1=Date.now();
const code = K.Language.KustoCode.Parse(q);
console.log('parse', Date.now()-t1);
function dump(n, d) {
  if (!n) return;
  const name = n.getType ? Bridge.getTypeName(n) : typeof n;
  let extra = '';
  if (n.Text !== undefined && n.ChildCount===0) extra = JSON.stringify(n.Text);
  console.log(' '.repeat(d*2) + name + ' ' + extra + (n.Kind!==undefined? ' kind='+n.Kind:''));
  for (let i=0;i<n.ChildCount;i++) dump(n.GetChild(i), d+1);
}
dump(code.Syntax, 0);
const diags = code.GetDiagnostics();
console.log('diags', diags.Count);

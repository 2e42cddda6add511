require('@kusto/language-service-next/bridge.min.js');
require('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
const K = globalThis.Kusto;
const q = process.argv[2];
const code = K.Language.KustoCode.Parse(q);
code.Syntax.WalkElements(e => {
  const n = Bridge.getTypeName(e).replace('Kusto.Language.Syntax.','');
  if (n === 'LiteralExpression' || n==='DynamicExpression') {
    const vi = e.LiteralValueInfo;
    console.log(n, System.Enum.toString(K.Language.Syntax.SyntaxKind, e.Kind), JSON.stringify(e.ToString()), '|', vi && JSON.stringify(vi.ValueText), vi && typeof vi.Value);
  }
});

/**
 * Loads Microsoft's Kusto parser (@kusto/language-service-next, a Bridge.NET build of
 * Kusto.Language) lazily and once, and gives the rest of the interpreter a small typed view
 * of the objects it produces.
 *
 * The library defines globals (`Bridge`, `System`, `Kusto`) when its two scripts are loaded in
 * order; nothing here touches them except through the narrow interfaces below.
 */
import { createRequire } from 'node:module';

/** Any node or token of a Kusto syntax tree. */
export interface KElement {
  readonly Kind: number;
  readonly ChildCount: number;
  GetChild(index: number): KElement | null;
  /** Position of the first character of the element's text (trivia excluded). */
  readonly TextStart: number;
  /** Length of the element's text, trivia excluded. */
  readonly Width: number;
  ToString(): string;
  /** Bridge.NET type name, e.g. `Kusto.Language.Syntax.FilterOperator`. */
  readonly $$name: string;
}

/** A syntax token (leaf). */
export interface KToken extends KElement {
  readonly Text: string;
}

export interface KDiagnostic {
  readonly Code: string;
  readonly Message: string;
  readonly Start: number;
  readonly Length: number;
  readonly Severity: string;
  readonly HasLocation: boolean;
}

export interface KList<T> {
  readonly Count: number;
  getItem(index: number): T;
}

export interface KCode {
  readonly Syntax: KElement & { GetTokenAt(position: number): KToken | null };
  GetDiagnostics(): KList<KDiagnostic>;
}

type Ctor<A extends unknown[]> = new (...args: A) => unknown;

/** The part of the `Kusto` global this interpreter uses. */
export interface KustoNamespace {
  Language: {
    KustoCode: {
      Parse(text: string): KCode;
      ParseAndAnalyze(text: string, globals: unknown): KCode;
    };
    GlobalState: { Default: { WithDatabase(db: unknown): unknown } };
    Symbols: {
      /** ColumnSymbol(name, type, description, originalColumns, source, examples) */
      ColumnSymbol: Ctor<[string, unknown, null, null, null, null]>;
      TableSymbol: { $ctor4: Ctor<[string, unknown[]]> };
      DatabaseSymbol: { $ctor3: Ctor<[string, null, unknown[], boolean]> };
      ScalarTypes: Record<'String' | 'Long' | 'Real' | 'Bool' | 'Dynamic', unknown>;
    };
    Syntax: { SyntaxKind: Record<string, unknown> };
    Functions: { All: FunctionInfo[] };
    Aggregates: { All: FunctionInfo[] };
  };
}

/** Naming metadata of a built-in function (Kusto.Language.Symbols.FunctionSymbol). */
export interface FunctionInfo {
  readonly Name: string;
  /** Kusto.Language.Symbols.ResultNameKind */
  readonly ResultNameKind: number;
  readonly ResultNamePrefix: string | null;
}

let kusto: KustoNamespace | undefined;
let kindNames: string[] = [];

/** Returns the loaded library (loading it on first use, ~0.35 s). */
export function getKusto(): KustoNamespace {
  if (kusto) return kusto;
  const load = createRequire(__filename);
  load('@kusto/language-service-next/bridge.min.js');
  load('@kusto/language-service-next/Kusto.Language.Bridge.min.js');
  const loaded = (globalThis as unknown as { Kusto?: KustoNamespace }).Kusto;
  if (!loaded) throw new Error('@kusto/language-service-next did not define the Kusto global');
  const names: string[] = [];
  for (const [name, value] of Object.entries(loaded.Language.Syntax.SyntaxKind)) {
    if (typeof value === 'number') names[value] = name;
  }
  kindNames = names;
  kusto = loaded;
  return loaded;
}

/** The SyntaxKind name of an element, e.g. `FilterOperator`, `EqualExpression`. */
export function kindOf(e: KElement): string {
  return kindNames[e.Kind] ?? 'Unknown';
}

/** The short class name of an element, e.g. `BinaryExpression`. */
export function classOf(e: KElement): string {
  const full = e.$$name;
  const generic = full.search(/[`$[]/);
  const plain = generic >= 0 ? full.slice(0, generic) : full;
  return plain.slice(Math.max(plain.lastIndexOf('+'), plain.lastIndexOf('.')) + 1);
}

function isElement(value: unknown): value is KElement {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { ChildCount?: unknown }).ChildCount === 'number' &&
    typeof (value as { Kind?: unknown }).Kind === 'number'
  );
}

/** A named child property of a node (`Left`, `Expression`, ...), or null. */
export function prop(e: KElement, name: string): KElement | null {
  const value = (e as unknown as Record<string, unknown>)[name];
  return isElement(value) ? value : null;
}

/** A string property of a node (`SimpleName`, `Text`, ...), or undefined. */
export function strProp(e: KElement, name: string): string | undefined {
  const value = (e as unknown as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/** The elements of a SyntaxList, unwrapping SeparatedElement wrappers. */
export function listItems(list: KElement | null): KElement[] {
  const out: KElement[] = [];
  if (!list) return out;
  for (let i = 0; i < list.ChildCount; i++) {
    const child = list.GetChild(i);
    if (!child) continue;
    if (classOf(child) === 'SeparatedElement') {
      const inner = prop(child, 'Element');
      if (inner) out.push(inner);
    } else {
      out.push(child);
    }
  }
  return out;
}

/** The literal value text of a LiteralExpression (decoded for strings), or undefined. */
export function literalText(e: KElement): string | undefined {
  const info = (e as unknown as { LiteralValueInfo?: { ValueText?: unknown } | null }).LiteralValueInfo;
  const text = info?.ValueText;
  return typeof text === 'string' ? text : undefined;
}

/** The decoded value text of a literal token (JSON pair names), or undefined. */
export function tokenValueText(t: KElement): string | undefined {
  const value = (t as unknown as { ValueText?: unknown }).ValueText;
  return typeof value === 'string' ? value : undefined;
}

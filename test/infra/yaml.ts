/**
 * A reader of the YAML subset that azure.yaml and the GitHub workflows here use: block mappings, block
 * sequences (with `- key: value` items), plain, single- and double-quoted scalars, `|` and `>` block
 * scalars, `[a, b]` flow sequences of scalars, `{}` and comments. Scalars stay strings (`'true'`, `'22'`):
 * the tests compare text. Anchors, tags, multi-document streams and flow mappings with content throw.
 * (The `yaml` package is only a transitive dependency here, so the tests do not rely on it.)
 */

/** A YAML value of the subset. */
export type YamlValue = string | null | YamlValue[] | { [key: string]: YamlValue };

/** A syntax error with the 1-based line. */
export class YamlSyntaxError extends Error {
  constructor(message: string, readonly line: number) {
    super(`${message} (line ${line})`);
    this.name = 'YamlSyntaxError';
  }
}

interface Line {
  indent: number;
  text: string;
  number: number;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '"') quote = c;
    else if (c === '#' && (i === 0 || text[i - 1] === ' ' || text[i - 1] === '\t')) return text.slice(0, i).trimEnd();
  }
  return text.trimEnd();
}

function scalar(text: string, line: number): YamlValue {
  const t = text.trim();
  if (t === '' || t === '~' || t === 'null') return null;
  if (t === '{}') return {};
  if (t === '[]') return [];
  if (t.startsWith("'")) {
    if (!t.endsWith("'") || t.length < 2) throw new YamlSyntaxError('unterminated single-quoted scalar', line);
    return t.slice(1, -1).replace(/''/g, "'");
  }
  if (t.startsWith('"')) {
    if (!t.endsWith('"') || t.length < 2) throw new YamlSyntaxError('unterminated double-quoted scalar', line);
    return JSON.parse(t) as string;
  }
  if (t.startsWith('[')) {
    if (!t.endsWith(']')) throw new YamlSyntaxError('unterminated flow sequence', line);
    return t.slice(1, -1).split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => scalar(s, line));
  }
  if (t.startsWith('{') || t.startsWith('&') || t.startsWith('*') || t.startsWith('!')) throw new YamlSyntaxError(`unsupported YAML: ${t}`, line);
  return t;
}

/** `key: rest` (the key plain or quoted), or undefined when the text is not a mapping entry. */
function mappingEntry(text: string): { key: string; rest: string } | undefined {
  const m = /^('(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^'"\s][^:]*?)\s*:(?:\s+(.*))?$/.exec(text);
  if (!m) return undefined;
  const rawKey = m[1] as string;
  const key = rawKey.startsWith("'") || rawKey.startsWith('"') ? (scalar(rawKey, 0) as string) : rawKey;
  return { key, rest: m[2] ?? '' };
}

class Reader {
  private i = 0;
  constructor(private readonly lines: Line[], private readonly raw: string[]) {}

  private peek(): Line | undefined {
    return this.lines[this.i];
  }

  block(indent: number): YamlValue {
    const first = this.peek();
    if (!first || first.indent < indent) return null;
    return first.text.startsWith('- ') || first.text === '-' ? this.sequence(first.indent) : this.mapping(first.indent);
  }

  private sequence(indent: number): YamlValue[] {
    const out: YamlValue[] = [];
    for (let line = this.peek(); line && line.indent === indent && (line.text.startsWith('- ') || line.text === '-'); line = this.peek()) {
      const rest = line.text === '-' ? '' : line.text.slice(2).trimStart();
      const restIndent = indent + (line.text.length - rest.length);
      if (rest === '') {
        this.i++;
        out.push(this.block(indent + 1));
      } else if (mappingEntry(rest) && !rest.startsWith('[') && !rest.startsWith("'") && !rest.startsWith('"')) {
        // `- key: value` starts a mapping whose keys are indented like `key`.
        this.lines[this.i] = { indent: restIndent, text: rest, number: line.number };
        out.push(this.mapping(restIndent));
      } else {
        this.i++;
        out.push(scalar(rest, line.number));
      }
    }
    return out;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    for (let line = this.peek(); line && line.indent === indent; line = this.peek()) {
      const entry = mappingEntry(line.text);
      if (!entry) throw new YamlSyntaxError(`expected 'key: value' but found '${line.text}'`, line.number);
      if (entry.key in out) throw new YamlSyntaxError(`duplicate key '${entry.key}'`, line.number);
      this.i++;
      if (/^[|>][-+]?$/.test(entry.rest)) out[entry.key] = this.blockScalar(line, entry.rest);
      else if (entry.rest === '') out[entry.key] = this.block(indent + 1);
      else out[entry.key] = scalar(entry.rest, line.number);
    }
    const next = this.peek();
    if (next && next.indent > indent) throw new YamlSyntaxError(`unexpected indentation`, next.number);
    return out;
  }

  /** `|` keeps line breaks, `>` folds them; `-` strips the final one. */
  private blockScalar(owner: Line, indicator: string): string {
    const body: string[] = [];
    let start = owner.number; // 1-based number of the owner line = 0-based index of the next raw line
    while (this.peek() && (this.peek() as Line).indent > owner.indent) this.i++;
    const end = this.peek()?.number ?? this.raw.length + 1;
    for (; start < end - 1; start++) body.push(this.raw[start] ?? '');
    while (body.length > 0 && (body[body.length - 1] as string).trim() === '') body.pop();
    const contentIndent = Math.min(...body.filter((l) => l.trim() !== '').map((l) => l.length - l.trimStart().length));
    const lines = body.map((l) => l.slice(Number.isFinite(contentIndent) ? contentIndent : 0));
    const text = indicator.startsWith('|') ? lines.join('\n') : lines.join(' ').replace(/ {2,}/g, ' ');
    return indicator.endsWith('-') ? text : `${text}\n`;
  }
}

/** Parses a YAML document of the subset. */
export function parseYaml(text: string): YamlValue {
  const raw = text.replace(/\r\n/g, '\n').split('\n');
  const lines: Line[] = [];
  raw.forEach((r, index) => {
    if (r.includes('\t') && /^\s*\t/.test(r)) throw new YamlSyntaxError('tab indentation', index + 1);
    const stripped = stripComment(r);
    if (stripped.trim() === '' || stripped.trim() === '---') return;
    lines.push({ indent: stripped.length - stripped.trimStart().length, text: stripped.trim(), number: index + 1 });
  });
  const reader = new Reader(lines, raw);
  const value = reader.block(0);
  return value;
}

/** The value at a path of keys (numbers index sequences), or undefined. */
export function yamlAt(value: YamlValue | undefined, ...path: (string | number)[]): YamlValue | undefined {
  let current: YamlValue | undefined = value;
  for (const key of path) {
    if (current === null || current === undefined || typeof current === 'string') return undefined;
    current = Array.isArray(current) ? (typeof key === 'number' ? current[key] : undefined) : (current as { [k: string]: YamlValue })[String(key)];
  }
  return current;
}

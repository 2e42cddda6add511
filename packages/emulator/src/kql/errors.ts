/** The error shapes Resource Graph answers bad queries with. */

export interface KqlErrorDetail {
  code: string;
  message: string;
  /** 1-based line of the offending token. */
  line?: number;
  /** 0-based position of the offending token within its line. */
  characterPositionInLine?: number;
  token?: string;
}

export type KqlErrorCode = 'InvalidQuery' | 'InvalidQueryLanguage';

export const INVALID_QUERY_MESSAGE =
  'Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.';

export class KqlError extends Error {
  readonly code: KqlErrorCode;
  readonly details: KqlErrorDetail[];

  constructor(code: KqlErrorCode, message: string, details: KqlErrorDetail[]) {
    super(message);
    this.name = 'KqlError';
    this.code = code;
    this.details = details;
  }
}

/** 1-based line and 0-based column of an offset in the query text. */
export function lineAndColumn(text: string, offset: number): { line: number; characterPositionInLine: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 10) {
      line++;
      lineStart = i + 1;
    } else if (ch === 13) {
      if (text.charCodeAt(i + 1) !== 10) {
        line++;
        lineStart = i + 1;
      }
    }
  }
  return { line, characterPositionInLine: end - lineStart };
}

/** Where in the query an element sits, for error details. */
export interface SourceSpan {
  start: number;
  text: string;
}

/** A semantic (InvalidQuery) error, e.g. an unknown column found while binding. */
export function invalidQuery(query: string, code: string, message: string, at?: SourceSpan): KqlError {
  const detail: KqlErrorDetail = { code, message };
  if (at) Object.assign(detail, lineAndColumn(query, at.start), { token: at.text });
  return new KqlError('InvalidQuery', message, [{ code: 'InvalidQuery', message: INVALID_QUERY_MESSAGE }, detail]);
}

/** A construct that Kusto knows but this emulator does not implement. */
export function unsupported(
  query: string,
  what: 'operator' | 'function' | 'syntax',
  token: string,
  at?: SourceSpan,
): KqlError {
  const code =
    what === 'operator' ? 'UnsupportedOperator' : what === 'function' ? 'UnsupportedFunction' : 'UnsupportedSyntax';
  const message = `${what} '${token}' is not supported by the emulator`;
  const detail: KqlErrorDetail = { code, message, token };
  if (at) Object.assign(detail, lineAndColumn(query, at.start));
  return new KqlError('InvalidQueryLanguage', message, [detail]);
}

import { readFileSync } from 'node:fs';
import { UsageError } from './usage-error';

/**
 * Where a JSON text first goes wrong: offset, line and column (1-based) and what was expected
 * there, or null when it is valid. Never quotes the text (a config file holds passwords): V8's
 * own messages quote it and not always with a position.
 */
export function jsonSyntaxError(text: string): { position: number; line: number; column: number; expected: string } | null {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  class Stop {
    constructor(readonly expected: string) {}
  }
  const stop = (expected: string): never => {
    throw new Stop(expected);
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else stop('a value (object, array, string, number, true, false or null)');
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) stop('the closing " of a string');
      const c = text[i]!;
      if (c === '"') return void i++;
      if (c < ' ') stop('no control character (a line break?) inside a string');
      if (c === '\\') {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) (i++, stop('four hex digits after \\u'));
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else (i++, stop('an escape: \\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX'));
      } else i++;
    }
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) stop('a value (object, array, string, number, true, false or null)');
    i += m![0].length;
  };
  /** An object's or array's members after its opening bracket, up to `close`, separated by commas. */
  const members = (close: string, what: string, member: () => void): void => {
    i++;
    ws();
    if (text[i] === close) return void i++;
    for (;;) {
      member();
      ws();
      if (text[i] === ',') {
        i++;
        continue;
      }
      if (text[i] === close) return void i++;
      stop(`',' or '${close}' after ${what}`);
    }
  };
  const property = (): void => {
    ws();
    if (text[i] !== '"') stop('a property name in double quotes');
    string();
    ws();
    if (text[i] !== ':') stop("':' after the property name");
    i++;
    value();
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === undefined) return stop('a value, but the file ends');
    if (c === '{') return members('}', 'a property value', property);
    if (c === '[') return members(']', 'an array element', value);
    if (c === '"') return string();
    if (c === 't') return literal('true');
    if (c === 'f') return literal('false');
    if (c === 'n') return literal('null');
    return number();
  };
  try {
    value();
    ws();
    if (i < text.length) stop('nothing after the JSON value');
    return null;
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    const before = text.slice(0, i).split('\n');
    return { position: i, line: before.length, column: before[before.length - 1]!.length + 1, expected: err.expected };
  }
}

/**
 * A JSON file, parsed; every failure is a usage error naming the file (and the option it came
 * from), and a syntax error its line, column and position, without quoting the content.
 */
export function readJsonFile(path: string, option?: string): unknown {
  const named = option ? `${option} ${path}` : path;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory, not a file' : code === 'EACCES' ? 'not readable (permission denied)' : (err as Error).message;
    throw new UsageError(`${named}: ${why}`);
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a byte-order mark
  let bad: ReturnType<typeof jsonSyntaxError> = null;
  try {
    bad = jsonSyntaxError(text);
  } catch {
    // nested deeper than this stack: JSON.parse decides
  }
  if (bad) throw new UsageError(`${named}: not valid JSON at line ${bad.line}, column ${bad.column} (position ${bad.position}): expected ${bad.expected}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${named}: not valid JSON`); // V8's message would quote the content
  }
}

/** A JSON file that must hold one object. */
export function readJsonObject(path: string, option: string | undefined, what: string): Record<string, unknown> {
  const parsed = readJsonFile(path, option);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new UsageError(`${option ? `${option} ${path}` : path}: holds ${parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : typeof parsed}, not ${what}`);
  }
  return parsed as Record<string, unknown>;
}

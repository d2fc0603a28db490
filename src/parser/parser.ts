import { createHeadersDecoder, DECODERS, type Decoder, EXPECTED, memoized } from './decode.js';
import { MalformedLineError } from './errors.js';
import type { FieldName, FieldValue } from './fields.js';
import { type FieldOrder, type Layout, resolveLayouts } from './layout.js';
import { COLUMN_COUNT_MISMATCH, createRecordBuilder, type RecordBuilder } from './record-builder.js';

/** The typed record of a field list: exactly those keys, each with its decoded value type. */
export type LogRecord<F extends readonly string[]> = { -readonly [K in F[number]]: FieldValue<K> };

/** The record of one of several layouts (a union: each layout's own keys). */
export type LayoutsRecord<L extends readonly (readonly string[])[]> = L[number] extends infer F
  ? F extends readonly string[]
    ? LogRecord<F>
    : never
  : never;

/** A line that parsed. */
export interface ParsedLine<R> {
  readonly ok: true;
  readonly record: R;
}

/**
 * A line that is not a record: a value, never an exception. `field` and `value` name the column
 * that failed (`null` when the column count fits no layout).
 */
export interface ParseFailure {
  readonly ok: false;
  /** The line as received (trailing newline stripped). */
  readonly line: string;
  readonly field: string | null;
  readonly value: string | null;
  /**
   * One sentence naming the field and the problem. It quotes the value only when the value cannot
   * be personal (at most `MAX_QUOTED_VALUE_LENGTH` characters, not shaped like an address or an
   * email); otherwise it gives the value's length and shape. `value` holds the value itself.
   */
  readonly reason: string;
}

export type ParseResult<R> = ParsedLine<R> | ParseFailure;

/** Options of `createParser`. */
export interface ParserOptions {
  /** See `FieldOrder`; `canonical` by default. */
  readonly order?: FieldOrder;
}

/** A parser built for one or more layouts. Build once, use for every line. */
export interface Parser<R> {
  /** The layouts, each with its fields in delivery order. */
  readonly layouts: readonly Layout[];
  /**
   * Parses one line (one Kinesis record). One trailing `\n`, and a `\r` before it, are stripped.
   * A blank line is a failure here; `parseLines` skips blank lines.
   */
  parseLine(line: string): ParseResult<R>;
  /** As `parseLine`, but throws `MalformedLineError`. */
  parseLineOrThrow(line: string): R;
  /** Splits text on newlines and parses each non-blank line. */
  parseLines(text: string): Generator<ParseResult<R>, void, undefined>;
  /**
   * A parser for the same layouts whose records hold only `keys` (those a layout has): the other
   * columns are still checked, so the same lines parse and fail, but never decoded into the
   * record. For a consumer that reads a few fields of many, e.g. an aggregator. Picking the same
   * keys again returns the same parser (compiled once).
   *
   * @example
   * const counts = createParser(fields).pick(['timestamp', 'sc-status']);
   * counts.parseLineOrThrow(line); // { timestamp: 1600299221087, 'sc-status': 200 }
   */
  pick<const K extends KeysOf<R>>(keys: readonly K[]): Parser<Picked<R, K>>;
}

/** Every key of any member of a union of record types. */
export type KeysOf<R> = R extends unknown ? keyof R & string : never;

/** Each member of a union of record types, restricted to the keys in `K` it has. */
export type Picked<R, K extends string> = R extends unknown ? Pick<R, Extract<K, keyof R>> : never;

/**
 * Longest value a failure reason quotes. Reasons reach logs (the handler's quarantine), so a value
 * is quoted only when it cannot be personal: this short, and not shaped like an address or an email.
 * Any other value is described by its length and shape (an old-layout line once put a client
 * address into a reason written to CloudWatch Logs).
 */
export const MAX_QUOTED_VALUE_LENGTH = 8;

/** What a failing value's characters are, for a reason that may not quote it. */
function shapeOf(value: string): string {
  let digits = false;
  let letters = false;
  let dots = 0;
  let colons = 0;
  const marks = new Set<string>();
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 48 && c <= 57) digits = true;
    else if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) letters = true;
    else {
      if (c === 46) dots++;
      if (c === 58) colons++;
      // Printable ASCII marks are named; anything else is counted as "other characters".
      if (marks.size < 6) marks.add(c > 32 && c < 127 ? `"${value[i]}"` : 'other characters');
    }
  }
  if (colons >= 2 && !marks.has('"@"')) return 'shaped like an IPv6 address';
  if (dots === 3 && digits && !letters && marks.size === 1) return 'shaped like an IPv4 address';
  if (marks.has('"@"')) return 'shaped like an email address';
  const kinds = [...(digits ? ['digits'] : []), ...(letters ? ['letters'] : []), ...marks];
  return kinds.length === 0 ? 'empty' : `of ${kinds.join(', ')}`;
}

/** The failing value as a reason may show it: quoted when short and impersonal, else its shape. */
function describeValue(value: string): string {
  const shape = shapeOf(value);
  if (value.length <= MAX_QUOTED_VALUE_LENGTH && !shape.startsWith('shaped like')) {
    return JSON.stringify(value);
  }
  return `a value of ${value.length} characters ${shape}`;
}

/** Where the line ending of `line` starts: before one trailing `\n` and a `\r` before it. */
function contentEnd(line: string): number {
  let end = line.length;
  if (end > 0 && line.charCodeAt(end - 1) === 10) end--;
  if (end > 0 && line.charCodeAt(end - 1) === 13) end--;
  return end;
}

/** Strips one trailing `\n` and a `\r` before it. */
export function stripLineEnd(line: string): string {
  const end = contentEnd(line);
  return end === line.length ? line : line.slice(0, end);
}

interface CompiledLayout {
  readonly names: readonly string[];
  readonly build: RecordBuilder;
  readonly expected: readonly string[];
}

/**
 * Fields whose values repeat across requests and cost a percent-decode each time, memoized per
 * parser. Measured per 20,000 bench lines (CPU ms, plain -> memo): cs-user-agent 12.5 -> 3.1,
 * cs-header-names 13.9 -> 2.9, cs-accept-encoding 7.6 -> 2.9. Rejected by the same measure:
 * cs-accept (rarely escaped: 1.0 -> 1.4) and cs-headers per header line (46.6 -> 59.8: hashing and
 * copying cost more than decoding). cs-headers' values instead get a front table without a Map
 * (`createHeadersDecoder`): the 40-field parse went from 0.59x and 0.62x the floor to 0.63x and
 * 0.69x (two same-process runs of 31 samples on a busy machine).
 */
const MEMOIZED_FIELDS: ReadonlySet<string> = new Set([
  'cs-user-agent',
  'cs-accept-encoding',
  'cs-header-names',
]);

function compile(layout: Layout, picked: ReadonlySet<string> | null): CompiledLayout {
  const decoders = layout.columns.map((c) => {
    // cs-headers: its values memoized by a front table of the parser's own (createHeadersDecoder).
    if (c.kind === 'headers') return createHeadersDecoder() as Decoder<unknown>;
    const decoder = DECODERS[c.kind] as Decoder<unknown>;
    return MEMOIZED_FIELDS.has(c.name) ? memoized(decoder) : decoder;
  });
  return {
    names: layout.fields,
    build: createRecordBuilder(layout, decoders, picked),
    expected: layout.columns.map((c) => EXPECTED[c.kind]),
  };
}

/** Field sets whose picked parser a parser keeps; a program picks one or two. */
const PICK_CACHE_SIZE = 8;

type FieldSpecInput = readonly string[] | { readonly layouts: readonly (readonly string[])[] };

/**
 * Builds a parser for a real-time log config's field list. The list may be in any order (columns
 * follow CloudFront's canonical order); every problem with it is reported here, once, as a
 * `FieldListError`, never per line.
 *
 * Several layouts can be given at once, for the hours after a config change when records of the
 * old and new field lists arrive mixed; each line is matched by its column count, so the lists must
 * differ in length (`layoutConflict` says why; a list given twice is read once).
 *
 * @example
 * const parser = createParser(['timestamp', 'sc-status', 'c-ip'] as const);
 * const result = parser.parseLine('1600299221.087\t174.204.64.230\t304\n');
 * if (result.ok) result.record['sc-status']; // 304 (typed number | null)
 *
 * @example
 * // Old and new field lists during a rollout:
 * createParser({ layouts: [['timestamp', 'sc-status'], ['timestamp', 'sc-status', 'time-taken']] });
 */
export function createParser<const F extends readonly FieldName[]>(
  fields: F,
  options?: ParserOptions & { readonly order?: 'canonical' },
): Parser<LogRecord<F>>;
export function createParser<const F extends readonly string[]>(
  fields: F,
  options: ParserOptions & { readonly order: 'delivery' },
): Parser<LogRecord<F>>;
export function createParser<const L extends readonly (readonly FieldName[])[]>(
  spec: { readonly layouts: L },
  options?: ParserOptions & { readonly order?: 'canonical' },
): Parser<LayoutsRecord<L>>;
export function createParser<const L extends readonly (readonly string[])[]>(
  spec: { readonly layouts: L },
  options: ParserOptions & { readonly order: 'delivery' },
): Parser<LayoutsRecord<L>>;
/** A field list known only at run time (a file, an environment variable): a loosely typed record. */
export function createParser<F extends readonly string[]>(
  fields: F & (string extends F[number] ? unknown : never),
  options?: ParserOptions,
): Parser<LogRecord<F>>;
/** Field lists known only at run time (the current and the previous one): a loosely typed record. */
export function createParser<L extends readonly (readonly string[])[]>(
  spec: { readonly layouts: L & (string extends L[number][number] ? unknown : never) },
  options?: ParserOptions,
): Parser<LayoutsRecord<L>>;
export function createParser(
  spec: FieldSpecInput,
  options: ParserOptions = {},
): Parser<Record<string, unknown>> {
  return parserOf(resolveLayouts('layouts' in spec ? spec.layouts : [spec], options.order), null);
}

function parserOf(
  layouts: readonly Layout[],
  picked: ReadonlySet<string> | null,
): Parser<Record<string, unknown>> {
  // Column count -> layout (resolveLayouts saw to one per count); an array indexed by count is the
  // cheapest per-line lookup.
  const byCount: (CompiledLayout | undefined)[] = [];
  for (const layout of layouts) byCount[layout.fields.length] = compile(layout, picked);
  const counts = layouts.map((l) => l.fields.length).sort((a, b) => a - b);
  const countText =
    counts.length === 1 ? `${counts[0]}` : `${counts.slice(0, -1).join(', ')} or ${counts.at(-1)}`;

  function fail(line: string, field: string | null, value: string | null, reason: string): ParseFailure {
    return { ok: false, line, field, value, reason };
  }

  /** The number of tab-separated columns of `line`. */
  function columnCount(line: string): number {
    let n = 1;
    for (let tab = line.indexOf('\t'); tab !== -1; tab = line.indexOf('\t', tab + 1)) n++;
    return n;
  }

  // The layout of the previous line: the one to try first (lines of one config come in runs).
  let recent = byCount[counts[0]!]!;
  // Picked parsers by field set: picking the same fields again (a line aggregator per batch)
  // compiles nothing and keeps that parser's memos warm.
  const picks = new Map<string, Parser<Record<string, unknown>>>();

  function parseLine(input: string): ParseResult<Record<string, unknown>> {
    // The builders read `input` up to `end`: no slice without the line ending, whose reads
    // (charCodeAt, indexOf) would all go through the sliced string's indirection.
    const end = contentEnd(input);
    if (end === 0) return fail(stripLineEnd(input), null, null, 'blank line');
    let layout = recent;
    let record = layout.build(input, end);
    if (record === COLUMN_COUNT_MISMATCH) {
      const line = stripLineEnd(input);
      const n = columnCount(line);
      const other = byCount[n];
      if (other === undefined) {
        return fail(
          line,
          null,
          null,
          `${n} column${n === 1 ? '' : 's'} fit no layout (expected ${countText} tab-separated columns)`,
        );
      }
      layout = other;
      recent = other;
      record = layout.build(input, end);
    }
    if (typeof record === 'number') {
      // The failure path only: find the column's text again.
      const line = stripLineEnd(input);
      const raw = line.split('\t')[record]!;
      const name = layout.names[record]!;
      return fail(line, name, raw, `${name}: ${describeValue(raw)} is not ${layout.expected[record]}`);
    }
    return { ok: true, record };
  }

  return {
    layouts,
    parseLine,
    parseLineOrThrow(line) {
      const result = parseLine(line);
      if (!result.ok) throw new MalformedLineError(result);
      return result.record;
    },
    *parseLines(text) {
      for (const line of text.split('\n')) {
        if (line === '' || line === '\r') continue;
        yield parseLine(line);
      }
    },
    pick(keys) {
      const names = new Set<string>(keys);
      // Picking from a picked parser narrows it further.
      if (picked !== null) for (const name of names) if (!picked.has(name)) names.delete(name);
      const key = [...names].sort().join('\t');
      let parser = picks.get(key);
      if (parser === undefined) {
        parser = parserOf(layouts, names);
        if (picks.size >= PICK_CACHE_SIZE) picks.delete(picks.keys().next().value!);
        picks.set(key, parser);
      }
      return parser as never;
    },
  };
}

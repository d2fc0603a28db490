/**
 * Value decoders, one per field kind. Each takes the raw column text (never `-` or empty: the
 * parser maps those to `null` before calling) and returns the value, or `MALFORMED`.
 * The parser picks one decoder per column when it is built; nothing here branches on the kind.
 */
import type { FieldKind, KindValues } from './fields.js';

/** Returned by a decoder for text the kind does not admit. A sentinel, not an exception. */
export const MALFORMED: unique symbol = Symbol('malformed');
export type Malformed = typeof MALFORMED;

export type Decoder<T> = (raw: string) => T | Malformed;

/**
 * Percent-decodes once: `%XX` -> bytes -> UTF-8. A `%` not followed by two hex digits, or bytes
 * that are not valid UTF-8, leave the text as it was. `+` stays `+`.
 *
 * `decodeURIComponent` has exactly these semantics (it throws on a bad escape or invalid UTF-8,
 * overlong forms and encoded surrogates included), and V8 runs it natively; the `indexOf` fast
 * path skips it for the ~90% of fields with nothing to decode.
 *
 * @example
 * decodeText('Mozilla/5.0%20(X11)'); // 'Mozilla/5.0 (X11)'
 * decodeText('100%');                // '100%' (not an escape: kept)
 */
export function decodeText(raw: string): string {
  if (raw.indexOf('%') === -1) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const ZERO = 48;
const NINE = 57;
const DOT = 46;

// Digit loops instead of validate-then-Number(): one pass, no intermediate strings. Up to 15
// digits the running value stays an exact double.
const MAX_EXACT_DIGITS = 15;

/**
 * The documented range of number columns: at most this many digits (integers below 10^15, i.e.
 * under a petabyte of bytes, and seconds likewise). Longer numbers are malformed at parse time:
 * a 309-digit `sc-bytes` would otherwise become Infinity, which no metric service and no stored
 * cell can hold. Every number the parser returns is a finite, exactly represented double.
 */
export const MAX_NUMBER_DIGITS = MAX_EXACT_DIGITS;

/**
 * Timestamps have at most this many digits of whole seconds: before 2286-11-20 (10^10 s), so every
 * parsed timestamp is a valid `Date` (whose limit is 8.64e15 ms). Whether a time is plausible for
 * the traffic at hand is the adapters' call (see the handler's and `cfrt analyze`'s rules).
 */
export const MAX_TIMESTAMP_SECONDS_DIGITS = 10;

/**
 * A decoder that reads its column in place, `text.slice(start, end)` never made: numbers are most
 * of a record's columns, and a substring per column cost more than the digit loops themselves.
 */
export type RangeDecoder<T> = (text: string, start: number, end: number) => T | Malformed;

const decodeIntIn: RangeDecoder<number> = (text, start, end) => {
  let value = 0;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c < ZERO || c > NINE) return MALFORMED;
    value = value * 10 + (c - ZERO);
  }
  return end - start > MAX_NUMBER_DIGITS ? MALFORMED : value;
};

/** Exact powers of ten: every one up to 1e22 is a double. */
const POW10 = [1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * Decimal seconds, the double nearest the decimal as written (what `Number()` gives). With at
 * most 15 digits the digits form an exact integer N, and IEEE division rounds N / 10^k correctly,
 * so the fast path is exact (Clinger's); longer text goes to `Number()`. Measured: `Number()`
 * was 5% of the whole parse + derive + aggregate pipeline, four seconds fields a record.
 */
const decodeSecondsIn: RangeDecoder<number> = (text, start, end) => {
  let digits = 0;
  let value = 0;
  let dot = -1;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c >= ZERO && c <= NINE) {
      value = value * 10 + (c - ZERO);
      digits++;
      continue;
    }
    if (c === DOT && dot === -1 && i > start && i < end - 1) {
      dot = i;
      continue;
    }
    return MALFORMED;
  }
  if (digits > MAX_NUMBER_DIGITS) return MALFORMED;
  return dot === -1 ? value : value / POW10[end - dot - 1]!;
};

/**
 * Epoch seconds with a fraction -> integer epoch milliseconds, exactly: the digits are combined as
 * text, so `1600299221.087` is `1600299221087`, never `1600299221086.9998`. More than three
 * fraction digits round to the nearest millisecond.
 */
const decodeTimestampIn: RangeDecoder<number> = (text, start, end) => {
  let seconds = 0;
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === DOT) break;
    if (c < ZERO || c > NINE) return MALFORMED;
    seconds = seconds * 10 + (c - ZERO);
  }
  if (i === start || i - start > MAX_TIMESTAMP_SECONDS_DIGITS) return MALFORMED;
  if (i === end) return seconds * 1000;
  if (i === end - 1) return MALFORMED; // "1." : a dot needs digits after it
  let ms = 0;
  let rest = 0; // digits past the third: only their first decides rounding
  for (let j = i + 1, k = 0; j < end; j++, k++) {
    const c = text.charCodeAt(j);
    if (c < ZERO || c > NINE) return MALFORMED;
    if (k < 3) ms = ms * 10 + (c - ZERO);
    else if (k === 3) rest = c - ZERO;
  }
  const fracDigits = end - i - 1;
  if (fracDigits < 3) ms *= fracDigits === 1 ? 100 : 10;
  return seconds * 1000 + ms + (rest >= 5 ? 1 : 0);
};

const decodeInt: Decoder<number> = (raw) => decodeIntIn(raw, 0, raw.length);
const decodeSeconds: Decoder<number> = (raw) => decodeSecondsIn(raw, 0, raw.length);
const decodeTimestamp: Decoder<number> = (raw) => decodeTimestampIn(raw, 0, raw.length);

/** The kinds whose values are read in place (see `RangeDecoder`); the other kinds decode substrings. */
export const RANGE_DECODERS: { readonly [K in 'timestamp' | 'int' | 'seconds']: RangeDecoder<number> } = {
  timestamp: decodeTimestampIn,
  int: decodeIntIn,
  seconds: decodeSecondsIn,
};

/**
 * The timestamp (epoch ms) in column `column` of a tab-separated line, read in place with the
 * parser's own decoder, or `null` when the line has no such column or it is not a timestamp
 * (`Number()` would read `0x1F` as 31). For a malformed line, to file it in its window.
 *
 * @example
 * timestampAt('1600299221.087\t2x0', 0); // 1600299221087
 */
export function timestampAt(line: string, column: number): number | null {
  if (column < 0) return null;
  let start = 0;
  for (let c = 0; c < column; c++) {
    const tab = line.indexOf('\t', start);
    if (tab === -1) return null;
    start = tab + 1;
  }
  const tab = line.indexOf('\t', start);
  const ms = decodeTimestampIn(line, start, tab === -1 ? line.length : tab);
  return typeof ms === 'number' ? ms : null;
}

const decodeIpList: Decoder<string[] | null> = (raw) => {
  const out: string[] = [];
  for (const part of decodeText(raw).split(',')) {
    const ip = part.trim();
    if (ip !== '') out.push(ip);
  }
  return out.length === 0 ? null : out;
};

/** Splits a `%0A`-joined list; the empty piece after the trailing `%0A` is dropped. */
function splitEncodedLines(raw: string): string[] {
  const pieces = raw.split('%0A');
  if (pieces.length > 1 && pieces[pieces.length - 1] === '') pieces.pop();
  return pieces;
}

// Split first, then decode each piece: measured faster than decoding the whole field once and
// splitting on the decoded newline (most pieces hold no escape and skip the decode). Re-measured
// for cs-headers, whose pieces mostly hold `%20`: one decodeURIComponent of the field (falling back
// to pieces on a bad escape or a `%0a`) took 34.6 ms per 20,000 40-field lines against 36.9 ms,
// IQRs overlapping: not worth a second path.
const decodeHeaderNames: Decoder<string[]> = (raw) => splitEncodedLines(raw).map(decodeText);

function decodeHeaderPiece(piece: string): [string, string] {
  const text = decodeText(piece);
  const colon = text.indexOf(':');
  // A piece without ':' is a header cut at CloudFront's 800-byte limit.
  return colon === -1 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
}

/**
 * The `%0A`-joined `name:value` list of cs-headers, as `splitEncodedLines(raw).map(decodeHeaderPiece)`
 * gives it, read in one walk of `raw`: a piece whose name holds no `%` is cut at its first `:` in
 * `raw` (a name without escapes decodes to itself, and the decoded text's first `:` is that one),
 * and only its value is decoded (by `decodeValue`, which must equal `decodeText`), only when it
 * holds a `%`: no array of pieces, no string per piece. A name with a `%` (it may hide `%3A`) takes
 * the piece path. cs-headers was half of the 40-field parse (30.6 of 63.4 ms per 20,000 bench
 * lines, measured by picking it out); this decoder alone on those 20,000 values: 36.7 ms as pieces,
 * 28.8 ms this way (medians of 31, IQRs 2 ms).
 */
function headersDecoder(decodeValue: (raw: string) => string): Decoder<[string, string][]> {
  return (raw) => {
    const out: [string, string][] = [];
    const n = raw.length;
    let pct = raw.indexOf('%');
    let s = 0;
    while (true) {
      // `pct`: the first `%` at or after `s`; a `%0A` can only start there or later.
      if (pct !== -1 && pct < s) pct = raw.indexOf('%', s);
      let e = pct === -1 ? -1 : raw.indexOf('%0A', pct);
      const last = e === -1;
      if (last) {
        e = n;
        // The empty piece after a trailing `%0A` is dropped (splitEncodedLines).
        if (s === n && s > 0) break;
      }
      const colon = raw.indexOf(':', s);
      if (colon !== -1 && colon < e && (pct === -1 || pct > colon)) {
        const rawValue = raw.slice(colon + 1, e);
        out.push([raw.slice(s, colon), pct === -1 || pct >= e ? rawValue : decodeValue(rawValue)]);
      } else if (pct === -1 || pct >= e) {
        // No `:` and no escape: a header cut at CloudFront's 800-byte limit.
        out.push([raw.slice(s, e), '']);
      } else {
        out.push(decodeHeaderPiece(raw.slice(s, e)));
      }
      if (last) break;
      s = e + 3;
    }
    return out;
  };
}

const decodeHeaders = headersDecoder(decodeText);

/**
 * A cs-headers decoder with a memo of its own for header values (one per parser, like `memoized`):
 * the user agent and accept headers repeat across requests, and their values hold `%20`. Only the
 * direct-mapped front table, no Map behind it: a miss costs a fingerprint and a slot write, so
 * values that never repeat (cookies, request ids) cost little. Measured on the 40-field parse: see
 * `MEMOIZED_FIELDS` in parser.ts.
 *
 * @example
 * const decode = createHeadersDecoder();
 * decode('user-agent:curl/8%0A'); // [['user-agent', 'curl/8']]
 */
export function createHeadersDecoder(): Decoder<[string, string][]> {
  const rawAt: (string | undefined)[] = new Array(FRONT_SLOTS);
  const valueAt: string[] = new Array(FRONT_SLOTS);
  return headersDecoder((raw) => {
    const slot = fingerprint(raw);
    if (rawAt[slot] === raw) return valueAt[slot]!;
    const value = decodeText(raw);
    rawAt[slot] = raw;
    valueAt[slot] = value;
    return value;
  });
}

/** CMCD value formats are unconfirmed: numeric text becomes a number, anything else stays text. */
const decodeCmcd: Decoder<number | string> = (raw) => {
  const number = decodeSeconds(raw);
  return number === MALFORMED ? decodeText(raw) : number;
};

const identity: Decoder<string> = (raw) => raw;

type NonNullValue<K extends keyof KindValues> = Exclude<KindValues[K], null>;

/** The decoder for each kind; `raw` is for names the catalogue does not know (kept as sent). */
export const DECODERS: { readonly [K in FieldKind | 'raw']: Decoder<NonNullValue<K> | null> } = {
  timestamp: decodeTimestamp,
  int: decodeInt,
  seconds: decodeSeconds,
  text: decodeText,
  'ip-list': decodeIpList,
  'header-names': decodeHeaderNames,
  headers: decodeHeaders,
  cmcd: decodeCmcd,
  raw: identity,
};

/** What a malformed value of each kind should have looked like, for error messages. */
export const EXPECTED: { readonly [K in FieldKind | 'raw']: string } = {
  timestamp: 'epoch seconds (1-10 digits, optionally "." and digits)',
  int: 'an integer (1-15 digits)',
  seconds: 'a number of seconds (digits, optionally one "."; 15 digits at most)',
  text: 'text',
  'ip-list': 'a list of addresses',
  'header-names': 'a list of header names',
  headers: 'a list of headers',
  cmcd: 'a CMCD value',
  raw: 'text',
};

/** Entries a memo holds before it starts over; bounds memory whatever the traffic. */
export const MEMO_CAPACITY = 2048;

/**
 * Wraps a decoder with a bounded memo keyed by the raw text, for low-cardinality fields whose
 * values repeat across requests (user agents, header-name lists, accept headers). Cleared when
 * full: bounded, O(1), and a working set that fits keeps hitting. Arrays are copied on the way
 * out so records never share a mutable value.
 */
export function memoized<T>(decoder: Decoder<T>): Decoder<T> {
  const memo = new Map<string, T>();
  // In front of the Map, a direct-mapped table keyed by a fingerprint (length and four code
  // units): a hit is one string comparison, where the Map must hash the whole fresh string.
  // Measured: the picked parse of the recommended layout 0.91x the time (user agents hit here).
  const rawAt: (string | undefined)[] = new Array(FRONT_SLOTS);
  const valueAt: (T | undefined)[] = new Array(FRONT_SLOTS);
  return (raw) => {
    if (raw.indexOf('%') === -1) return decoder(raw);
    const slot = fingerprint(raw);
    let value: T | undefined;
    if (rawAt[slot] === raw) value = valueAt[slot];
    else {
      value = memo.get(raw);
      if (value === undefined) {
        const decoded = decoder(raw);
        if (decoded === MALFORMED) return decoded;
        value = decoded;
        if (memo.size >= MEMO_CAPACITY) memo.clear();
        memo.set(raw, value);
      }
      rawAt[slot] = raw;
      valueAt[slot] = value;
    }
    return (Array.isArray(value) ? value.slice() : value) as T;
  };
}

/** Slots of a memo's front table (a power of two). */
const FRONT_SLOTS = 256;

/** A front-table slot for non-empty `raw`: its length and four code units. */
function fingerprint(raw: string): number {
  const n = raw.length;
  return (
    (Math.imul(n, 0x9e3779b1) ^
      raw.charCodeAt(n >> 1) ^
      (raw.charCodeAt(n >> 2) << 7) ^
      (raw.charCodeAt(n - 1) << 14) ^
      (raw.charCodeAt((3 * n) >> 2) << 21)) &
    (FRONT_SLOTS - 1)
  );
}

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

/** Index of the `.` in `digits[.digits]`, `-1` for plain digits, `-2` for anything else. */
function decimalShape(raw: string): number {
  const n = raw.length;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = raw.charCodeAt(i);
    if (c >= ZERO && c <= NINE) continue;
    if (c === DOT && dot === -1 && i > 0 && i < n - 1) {
      dot = i;
      continue;
    }
    return -2;
  }
  return dot;
}

const decodeInt: Decoder<number> = (raw) => (decimalShape(raw) === -1 ? Number(raw) : MALFORMED);

const decodeSeconds: Decoder<number> = (raw) => (decimalShape(raw) === -2 ? MALFORMED : Number(raw));

/**
 * Epoch seconds with a fraction -> integer epoch milliseconds, exactly: the digits are combined as
 * text, so `1600299221.087` is `1600299221087`, never `1600299221086.9998`. More than three
 * fraction digits round to the nearest millisecond.
 */
const decodeTimestamp: Decoder<number> = (raw) => {
  const dot = decimalShape(raw);
  if (dot === -2) return MALFORMED;
  if (dot === -1) return Number(raw) * 1000;
  const frac = raw.slice(dot + 1);
  if (frac.length <= 3) return Number(raw.slice(0, dot)) * 1000 + Number(frac.padEnd(3, '0'));
  return Math.round(Number(`${raw.slice(0, dot)}${frac.slice(0, 3)}.${frac.slice(3)}`));
};

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

const decodeHeaderNames: Decoder<string[]> = (raw) => splitEncodedLines(raw).map(decodeText);

const decodeHeaders: Decoder<[string, string][]> = (raw) =>
  splitEncodedLines(raw).map((piece): [string, string] => {
    const text = decodeText(piece);
    const colon = text.indexOf(':');
    // A piece without ':' is a header cut at CloudFront's 800-byte limit.
    return colon === -1 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
  });

/** CMCD value formats are unconfirmed: numeric text becomes a number, anything else stays text. */
const decodeCmcd: Decoder<number | string> = (raw) =>
  decimalShape(raw) === -2 ? decodeText(raw) : Number(raw);

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
  timestamp: 'epoch seconds (digits, optionally one "." and digits)',
  int: 'an integer (digits only)',
  seconds: 'a number of seconds (digits, optionally one "." and digits)',
  text: 'text',
  'ip-list': 'a list of addresses',
  'header-names': 'a list of header names',
  headers: 'a list of headers',
  cmcd: 'a CMCD value',
  raw: 'text',
};

/**
 * Dimension values as they become keys (cell keys, DynamoDB partition keys, CloudWatch
 * dimensions): printable ASCII of bounded length, whatever the log line carried. A `Host` of 2,100
 * characters or of 240 x `€` made a DynamoDB key over 2,048 bytes (a write refused on every retry),
 * and CloudWatch refuses non-ASCII, control and blank dimension values for good.
 */

/**
 * Characters a normalized value has at most. With every character of a value at most 3 bytes in a
 * URL-encoded key (`%` itself becomes `%25`), even a set of all nine dimensions stays under
 * DynamoDB's 2,048-byte partition key: 9 x (64 x 3 + 17) = 1,881.
 */
export const MAX_DIMENSION_VALUE_LENGTH = 64;

/** Characters kept of a value cut to fit, before `~` and the 8 hex digits of its hash. */
const CUT_PREFIX = MAX_DIMENSION_VALUE_LENGTH - 9;

const HEX = '0123456789ABCDEF';

function percentByte(b: number): string {
  return `%${HEX[b >> 4]}${HEX[b & 15]}`;
}

/** FNV-1a over UTF-16 code units: a short, stable tag that keeps cut values apart. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A dimension value as a key may hold it, or null when nothing is left (empty or blank: the
 * aggregator files it under `unknown`).
 *
 * - Leading and trailing white space is dropped.
 * - Every character outside printable ASCII (controls, DEL, non-ASCII), and `%` itself, is written
 *   as the percent-encoding of its UTF-8 bytes, as CloudFront writes such characters in a URI:
 *   `café` -> `caf%C3%A9`. Distinct values stay distinct; a lone surrogate becomes `%EF%BF%BD`.
 * - A value longer than `MAX_DIMENSION_VALUE_LENGTH` keeps its first 55 characters (never a
 *   partial `%XX`), then `~` and 8 hex digits of a hash of the whole value.
 *
 * Plain values (ASCII hosts, edge locations, countries, classes) come back as they are.
 *
 * @example
 * normalizeDimensionValue('www.example.com'); // 'www.example.com'
 * normalizeDimensionValue('€.example');       // '%E2%82%AC.example'
 * normalizeDimensionValue('  ');              // null
 */
export function normalizeDimensionValue(raw: string): string | null {
  const value = raw.trim();
  if (value === '') return null;
  let plain = value.length <= MAX_DIMENSION_VALUE_LENGTH;
  for (let i = 0; plain && i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) plain = false;
  }
  if (plain) return value;
  let out = '';
  for (const ch of value) {
    const c = ch.codePointAt(0)!;
    if (c >= 0x20 && c <= 0x7e && c !== 0x25) out += ch;
    else if (c >= 0xd800 && c <= 0xdfff) out += '%EF%BF%BD';
    else for (const b of Buffer.from(ch, 'utf8')) out += percentByte(b);
  }
  if (out.length <= MAX_DIMENSION_VALUE_LENGTH) return out;
  let end = CUT_PREFIX;
  // Never cut inside a %XX escape.
  if (out[end - 1] === '%') end -= 1;
  else if (out[end - 2] === '%') end -= 2;
  return `${out.slice(0, end)}~${fnv1a(out)}`;
}

/**
 * The inverse of the parser: a record back to a line exactly as CloudFront would write it.
 * Used by the fixture generator, round-trip tests and `cfrt replay`.
 */
import type { Column, Layout } from './layout.js';

// CloudFront percent-encodes bytes 0-32, bytes >= 127 and these ASCII characters. The table is
// built once; text with nothing to encode (most fields) is returned as it is.
const MUST_ENCODE = new Uint8Array(256).map((_, byte) =>
  byte <= 32 || byte >= 127 || '<>"#%{}|\\^~[]`\' '.includes(String.fromCharCode(byte)) ? 1 : 0,
);
const encoder = new TextEncoder();
const HEX = '0123456789ABCDEF';

/**
 * Percent-encodes text the way CloudFront does (uppercase `%XX` of the UTF-8 bytes), so that
 * decoding once gives back exactly the text.
 *
 * @example
 * encodeText('a b%'); // 'a%20b%25'
 */
export function encodeText(text: string): string {
  let clean = true;
  for (let i = 0; i < text.length && clean; i++) {
    const c = text.charCodeAt(i);
    clean = c < 128 && MUST_ENCODE[c] === 0;
  }
  if (clean) return text;
  let out = '';
  for (const byte of encoder.encode(text)) {
    out += MUST_ENCODE[byte] === 1 ? `%${HEX[byte >> 4]}${HEX[byte & 15]}` : String.fromCharCode(byte);
  }
  return out;
}

function formatTimestamp(ms: number): string {
  const s = Math.floor(ms / 1000);
  return `${s}.${String(ms - s * 1000).padStart(3, '0')}`;
}

function formatValue(kind: Column['kind'], value: unknown): string {
  if (value === null || value === undefined) return '-';
  switch (kind) {
    case 'timestamp':
      return formatTimestamp(value as number);
    case 'int':
    case 'seconds':
      return String(value);
    case 'cmcd':
      return typeof value === 'number' ? String(value) : encodeText(String(value));
    case 'ip-list':
      return (value as string[]).map(encodeText).join(',');
    case 'header-names':
      return `${(value as string[]).map((n) => `${encodeText(n)}%0A`).join('')}`;
    case 'headers':
      return `${(value as [string, string][]).map(([n, v]) => `${encodeText(n)}:${encodeText(v)}%0A`).join('')}`;
    case 'raw':
      return String(value);
    default:
      return encodeText(String(value));
  }
}

/**
 * Formats a record as one real-time log line (no trailing newline) in the layout's column order.
 * Missing and `null` values are written as `-`.
 *
 * @example
 * formatLine({ timestamp: 1600299221087, 'sc-status': 304 }, resolveLayout(['timestamp', 'sc-status']));
 * // '1600299221.087\t304'
 */
export function formatLine(record: Readonly<Record<string, unknown>>, layout: Layout): string {
  return layout.columns.map((column) => formatValue(column.kind, record[column.name])).join('\t');
}

/**
 * How figures read in reports: thousands separators, percentages, seconds, UTC times. Written
 * out rather than through `Intl` so the output is identical on every Node build (small-icu too).
 */

/**
 * An integer with thousands separators; non-integers (sampled estimates) keep one decimal.
 *
 * @example
 * formatInt(1234567); // '1,234,567'
 */
export function formatInt(n: number): string {
  const rounded = Number.isInteger(n) ? n : Math.round(n * 10) / 10;
  const [whole = '0', frac] = Math.abs(rounded).toString().split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${rounded < 0 ? '-' : ''}${grouped}${frac === undefined ? '' : `.${frac}`}`;
}

/**
 * A ratio (0-1) as a percentage; `-` when undefined.
 *
 * @example
 * formatPercent(0.8734); // '87.3%'
 */
export function formatPercent(ratio: number | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '-';
  return `${(ratio * 100).toFixed(digits)}%`;
}

/**
 * Seconds with a unit that keeps three significant figures (`12.3 ms`, `1.24 s`).
 *
 * @example
 * formatSeconds(0.0123); // '12.3 ms'
 */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '-';
  if (seconds === 0) return '0 ms';
  if (seconds < 1) {
    const ms = seconds * 1000;
    return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
  }
  return `${seconds < 10 ? seconds.toFixed(2) : seconds < 100 ? seconds.toFixed(1) : seconds.toFixed(0)} s`;
}

/**
 * The text cut to `width` characters (code points) keeping both ends, so keys that share a long
 * prefix stay apart: `https://www.example.com/product/12345?ref=mail` at 30 reads
 * `https://www.example.…?ref=mail`. The tail keeps about a third of the width.
 *
 * @example
 * middleTruncate('/assets/images/products/large/12345.jpg', 24); // '/assets/images/p…345.jpg'
 */
export function middleTruncate(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return '…';
  const tail = Math.max(1, Math.floor((width - 1) / 3));
  const head = width - 1 - tail;
  return `${chars.slice(0, head).join('')}…${chars.slice(chars.length - tail).join('')}`;
}

/**
 * Epoch ms as `YYYY-MM-DD HH:MM:SS` UTC.
 *
 * @example
 * formatTime(0); // '1970-01-01 00:00:00'
 */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/**
 * Epoch ms as `HH:MM` (or `HH:MM:SS` when windows are shorter than a minute) UTC.
 *
 * @example
 * formatClock(0, 60); // '00:00'
 */
export function formatClock(ms: number, windowSeconds: number): string {
  const iso = new Date(ms).toISOString();
  return windowSeconds % 60 === 0 ? iso.slice(11, 16) : iso.slice(11, 19);
}

/**
 * A duration in seconds as `1h 5m`, `90 s`.
 *
 * @example
 * formatDuration(3900); // '1h 5m'
 */
export function formatDuration(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  const m = Math.round(seconds / 60);
  if (m < 120) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * A one-line progress display on stderr for long reads: records, malformed lines, bytes and the
 * rate. Only on a terminal (a pipe or a CI log gets nothing), redrawn at most every
 * `PROGRESS_INTERVAL_MS`, and the clock is read only every `PROGRESS_CHECK_EVERY` records so the
 * hot loop stays a counter increment.
 */

/** Redraw interval: fast enough to look alive, slow enough to cost nothing. */
export const PROGRESS_INTERVAL_MS = 200;
/** Records between clock reads (a power of two: the check is a mask). */
export const PROGRESS_CHECK_EVERY = 4096;

/**
 * Bytes as a short human figure (binary units, as `ls -h` and `du -h`).
 *
 * @example
 * formatBytes(1536); // '1.5 KiB'
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 2 : value < 100 ? 1 : 0)} ${units[unit]}`;
}

/**
 * A count as a short human figure (`12.3k`, `4.56M`).
 *
 * @example
 * formatCount(12345); // '12.3k'
 */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 1000) return String(Math.round(n));
  if (abs < 1e6) return `${(n / 1e3).toFixed(abs < 1e4 ? 2 : 1)}k`;
  if (abs < 1e9) return `${(n / 1e6).toFixed(abs < 1e7 ? 2 : 1)}M`;
  return `${(n / 1e9).toFixed(2)}G`;
}

/** Where the display goes; a TTY write stream in practice, a fake in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): boolean;
}

/** Counts and a throttled one-line display. */
export class Progress {
  records = 0;
  malformed = 0;
  bytes = 0;
  readonly #stream: ProgressStream | null;
  readonly #clock: () => number;
  readonly #started: number;
  #lastDraw = 0;
  #drawn = false;

  /**
   * @param stream stderr; the display is off unless it is a TTY and `enabled` is not false.
   * @example
   * const progress = new Progress(process.stderr);
   * progress.tick(line.length + 1);
   * progress.done();
   */
  constructor(stream: ProgressStream, options: { enabled?: boolean; clock?: () => number } = {}) {
    this.#stream = options.enabled === false || stream.isTTY !== true ? null : stream;
    this.#clock = options.clock ?? Date.now;
    this.#started = this.#clock();
  }

  /** True when a display is drawn at all. */
  get active(): boolean {
    return this.#stream !== null;
  }

  /** Counts one line of `bytes` bytes (a parsed record unless `malformed`). */
  tick(bytes: number, malformed = false): void {
    this.bytes += bytes;
    if (malformed) this.malformed++;
    else this.records++;
    if (this.#stream !== null && ((this.records + this.malformed) & (PROGRESS_CHECK_EVERY - 1)) === 0) {
      const now = this.#clock();
      if (now - this.#lastDraw >= PROGRESS_INTERVAL_MS) {
        this.#lastDraw = now;
        this.#draw(now);
      }
    }
  }

  /** The status line's text at time `now`. */
  line(now: number = this.#clock()): string {
    const seconds = Math.max((now - this.#started) / 1000, 1e-3);
    const rate = (this.records + this.malformed) / seconds;
    const bytes = this.bytes > 0;
    return (
      `${formatCount(this.records)} records` +
      (this.malformed > 0 ? `, ${formatCount(this.malformed)} malformed` : '') +
      (bytes ? `, ${formatBytes(this.bytes)} read` : '') +
      ` | ${formatCount(rate)} records/s` +
      (bytes ? `, ${formatBytes(this.bytes / seconds)}/s` : '') +
      ` | ${seconds.toFixed(1)} s`
    );
  }

  #draw(now: number): void {
    if (this.#stream === null) return;
    // A pseudo-terminal may report 0 columns: assume the classic 80 then.
    const width = Math.max((this.#stream.columns || 80) - 1, 20);
    const text = this.line(now);
    // \r and erase-line: redraw in place without leaving debris from a longer previous line.
    this.#stream.write(`\r\x1b[2K${text.length > width ? text.slice(0, width) : text}`);
    this.#drawn = true;
  }

  /** Clears the display (the report follows on stdout; a final line stays on stderr). */
  done(): void {
    if (this.#stream === null) return;
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#stream.write(`${this.line()}\n`);
  }
}

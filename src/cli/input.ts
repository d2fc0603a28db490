/**
 * Line input for the CLI: files or stdin, gzip detected by its magic bytes (Firehose delivers
 * real-time logs to S3 gzipped), streamed chunk by chunk so memory does not grow with input size,
 * nor with a line's length: a line over `MAX_LINE_BYTES` is counted, not held (see line-splitter).
 */
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { MAX_LINE_BYTES } from '../parser/line-limit.js';
import { InputError } from './errors.js';
import { createLineSplitter, isTooLong, type LineItem, type TooLongLine } from './line-splitter.js';

export { isTooLong, type LineItem, MAX_LINE_BYTES, type TooLongLine };

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

/**
 * Bytes a file is read in at a time. createReadStream's default, 64 KiB, left the main thread
 * idle while each read came back. Measured with `--cpu-prof` on `cfrt analyze` of 100k lines
 * (3 runs each, on 2 shared cores): idle 5.6-5.8% at 64 KiB, 1.9-3.2% at 256 KiB, 0.9-1.4% at
 * 1 MiB, which cost 6 MB more peak RSS per reader (each `--threads` worker has one).
 */
export const READ_CHUNK_BYTES = 1 << 18;

/** A file's bytes from `start` (a line's first byte) to `end` (exclusive). */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Whether two bytes are the gzip magic number. */
export function isGzipMagic(head: Uint8Array): boolean {
  return head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1;
}

/** A source of bytes: a path, or `-` / undefined for stdin. */
export type InputSource = string;

async function* bytesOf(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer, void, undefined> {
  for await (const chunk of stream) yield typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
}

/** Yields the decompressed chunks of a stream, gunzipping when it starts with the gzip magic bytes. */
async function* maybeGunzip(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer, void, undefined> {
  const it = bytesOf(stream)[Symbol.asyncIterator]();
  let head = Buffer.alloc(0);
  // Read until two bytes are known (the first chunk may be a single byte on a pipe).
  while (head.length < 2) {
    const next = await it.next();
    if (next.done) break;
    head = Buffer.concat([head, next.value]);
  }
  async function* all(): AsyncGenerator<Buffer, void, undefined> {
    if (head.length > 0) yield head;
    for (let next = await it.next(); next.done !== true; next = await it.next()) yield next.value;
  }
  if (isGzipMagic(head)) {
    // pipeline() carries backpressure, and an error on either side destroys the gunzip stream,
    // which ends this iteration with that error.
    yield* bytesOf(pipeline(Readable.from(all()), createGunzip(), () => {}));
    return;
  }
  yield* all();
}

/** zlib's errors (`Z_BUF_ERROR`, `Z_DATA_ERROR`, ...) become an `InputError` naming the source. */
async function* gunzipErrorsNamed(
  chunks: AsyncGenerator<Buffer, void, undefined>,
  source: InputSource,
): AsyncGenerator<Buffer, void, undefined> {
  try {
    yield* chunks;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && code.startsWith('Z_')) {
      const name = source === '-' ? 'stdin' : source;
      throw new InputError(`${name}: not a valid gzip stream (${(err as Error).message}).`, { cause: err });
    }
    throw err;
  }
}

/** Options of `readLineItems` and `readLines`. */
export interface ReadLinesOptions {
  /** Longest line read, in bytes before its `\n`; default `MAX_LINE_BYTES` (1 MiB). */
  readonly maxLineBytes?: number;
}

/**
 * Yields the lines of each source in turn (without `\n`; a `\r` before it is left for the parser
 * to strip), streaming, each line decoded from UTF-8 on its own; a line longer than
 * `maxLineBytes` as a `TooLongLine` (its length, never its content), after which reading goes on
 * with the next line. Linear in the input, memory bounded by the limit. `-` reads stdin.
 *
 * @example
 * for await (const item of readLineItems(['logs.gz'])) {
 *   if (isTooLong(item)) report(item.reason); // 'line too long: 104857600 bytes'
 *   else parser.parseLine(item);
 * }
 */
export async function* readLineItems(
  sources: readonly InputSource[],
  options: ReadLinesOptions = {},
): AsyncGenerator<LineItem, void, undefined> {
  for (const source of sources.length === 0 ? ['-'] : sources) {
    const splitter = createLineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
    // A loop, not `yield*`: delegating to an array goes through an async-from-sync iterator, a
    // few more promise jobs per line.
    for await (const chunk of chunksOf(source)) for (const item of splitter.push(chunk)) yield item;
    for (const item of splitter.end()) yield item;
  }
}

/**
 * The lines of one source as `readLineItems` yields them, a chunk's worth at a time: one promise
 * per chunk rather than per line, for a caller that handles each batch synchronously. With a
 * `range`, one byte range of an uncompressed file (never gunzipped: a range's first bytes are not
 * the file's); it starts at a line's first byte and its last line is the one that ends at or after
 * `end`, so a file cut into ranges at line starts yields the lines of the whole file, each once.
 *
 * @example
 * for await (const batch of readLineBatches('logs.tsv', { start: 0, end: 1 << 25 })) for (const item of batch) count(item);
 */
export async function* readLineBatches(
  source: InputSource,
  range?: ByteRange,
  options: ReadLinesOptions = {},
): AsyncGenerator<LineItem[], void, undefined> {
  const splitter = createLineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
  const chunks =
    range === undefined
      ? chunksOf(source)
      : range.end > range.start
        ? bytesOf(
            createReadStream(source, {
              start: range.start,
              end: range.end - 1,
              highWaterMark: READ_CHUNK_BYTES,
            }),
          )
        : null;
  if (chunks !== null) {
    for await (const chunk of chunks) {
      const items = splitter.push(chunk);
      if (items.length > 0) yield items;
    }
  }
  const last = splitter.end();
  if (last.length > 0) yield last;
}

/**
 * As `readLineItems`, lines only: a line too long to read goes to `onTooLong` (in order: before
 * the line after it is yielded), or, without `onTooLong`, ends reading with an `InputError` saying
 * so (never skipped unseen).
 *
 * @example
 * for await (const line of readLines(files, { onTooLong: (t) => malformed.push(t.reason) })) parse(line);
 */
export async function* readLines(
  sources: readonly InputSource[],
  options: ReadLinesOptions & { readonly onTooLong?: (line: TooLongLine) => void } = {},
): AsyncGenerator<string, void, undefined> {
  for (const source of sources.length === 0 ? ['-'] : sources) {
    const splitter = createLineSplitter(options.maxLineBytes ?? MAX_LINE_BYTES);
    let lineNo = 0;
    const tooLong = (item: TooLongLine): void => {
      if (options.onTooLong !== undefined) {
        options.onTooLong(item);
        return;
      }
      const name = source === '-' ? 'stdin' : source;
      throw new InputError(
        `${name}: line ${lineNo}: ${item.reason} (lines of up to ${options.maxLineBytes ?? MAX_LINE_BYTES} bytes are read).`,
      );
    };
    // Its own loop rather than a filter over readLineItems: a generator layer less per line.
    for await (const chunk of chunksOf(source)) {
      for (const item of splitter.push(chunk)) {
        lineNo++;
        if (isTooLong(item)) tooLong(item);
        else yield item;
      }
    }
    for (const item of splitter.end()) {
      lineNo++;
      if (isTooLong(item)) tooLong(item);
      else yield item;
    }
  }
}

/** The bytes of one source, decompressed, with zlib's errors named. */
function chunksOf(source: InputSource): AsyncGenerator<Buffer, void, undefined> {
  const stream =
    source === '-' ? process.stdin : createReadStream(source, { highWaterMark: READ_CHUNK_BYTES });
  return gunzipErrorsNamed(maybeGunzip(stream), source);
}

/** Buffered writes to a stream that respect backpressure. */
export class OutputBuffer {
  #parts: string[] = [];
  #size = 0;
  readonly #stream: NodeJS.WritableStream;
  static readonly FLUSH_AT = 1 << 16;

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
  }

  /** Appends text; resolves once the buffer is below its cap again. */
  async write(text: string): Promise<void> {
    this.#parts.push(text);
    this.#size += text.length;
    if (this.#size >= OutputBuffer.FLUSH_AT) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#parts.length === 0) return;
    const data = this.#parts.join('');
    this.#parts = [];
    this.#size = 0;
    if (!this.#stream.write(data)) await new Promise((r) => this.#stream.once('drain', r));
  }
}

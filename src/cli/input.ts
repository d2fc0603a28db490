/**
 * Line input for the CLI: files or stdin, gzip detected by its magic bytes (Firehose delivers
 * real-time logs to S3 gzipped), streamed chunk by chunk so memory does not grow with input size.
 */
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { InputError } from './errors.js';

const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;

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
  if (head[0] === GZIP_MAGIC_0 && head[1] === GZIP_MAGIC_1) {
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

/**
 * Yields the lines of each source in turn (without `\n`; a `\r` before it is left for the parser
 * to strip), streaming. `-` reads stdin.
 */
export async function* readLines(sources: readonly InputSource[]): AsyncGenerator<string, void, undefined> {
  for (const source of sources.length === 0 ? ['-'] : sources) {
    const stream = source === '-' ? process.stdin : createReadStream(source);
    const decoder = new StringDecoder('utf8');
    let pending = '';
    for await (const chunk of gunzipErrorsNamed(maybeGunzip(stream), source)) {
      const text = pending + decoder.write(chunk);
      let start = 0;
      let nl = text.indexOf('\n', start);
      while (nl !== -1) {
        yield text.slice(start, nl);
        start = nl + 1;
        nl = text.indexOf('\n', start);
      }
      pending = text.slice(start);
    }
    pending += decoder.end();
    if (pending !== '') yield pending;
  }
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

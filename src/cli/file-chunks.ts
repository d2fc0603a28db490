/**
 * How `cfrt analyze` cuts its input into units of work for its threads. A regular, uncompressed
 * file larger than one range is cut into byte ranges at fixed, size-based offsets, each moved
 * forward to the start of the next line; everything else (stdin, gzip, small files) is read
 * whole. Where the cuts fall depends on the files only, never on the number of threads or the
 * machine, so the report does not either.
 */
import { open, stat } from 'node:fs/promises';
import { type ByteRange, isGzipMagic } from './input.js';

/**
 * Bytes per range: a range is the unit a thread takes, and each costs its cells' serializing and
 * merging (the stream-wide totals with their per-entry figures above all). Measured on 300k lines
 * (265 MiB) of the bench's 40-field layout, `--threads 1` against one pass: 32 MiB ranges took 25-45%
 * more CPU (serialize 160 ms, deserialize 140 ms, roll-ups 160 ms more over 9 ranges), 64 MiB
 * ranges about 10% (5 ranges).
 */
export const RANGE_BYTES = 64 * 1024 * 1024;
/** Bytes read at a time while looking for the end of the line a cut falls in. */
const SCAN_BYTES = 64 * 1024;

/** One input read by a unit: a whole source, or a range of a plain file. */
export interface Segment {
  /** Index of the input in `AnalyzeOptions.inputs` (line numbers restart with each input). */
  readonly input: number;
  readonly source: string;
  /** The bytes of a plain file this segment reads; absent: the whole source. */
  readonly range?: ByteRange | undefined;
}

/** What one aggregator reads, in order: the ranges of a cut file are each a unit of their own. */
export interface Unit {
  readonly segments: readonly Segment[];
}

/** Whether a unit reads stdin, which only the main thread can. */
export function readsStdin(unit: Unit): boolean {
  return unit.segments.some((s) => s.source === '-');
}

/**
 * The units of `inputs` in input order: each range of a cut file alone, and each run of inputs
 * read whole (stdin, gzip, files of at most `rangeBytes`, anything not a regular file) together,
 * so that inputs that are not cut are read by one aggregator, as they always were.
 *
 * @example
 * await planUnits(['big.tsv'], 1 << 25); // [{ segments: [{ input: 0, source: 'big.tsv', range: { start: 0, end: 33554610 } }] }, ...]
 */
export async function planUnits(
  inputs: readonly string[],
  rangeBytes: number = RANGE_BYTES,
): Promise<Unit[]> {
  const units: Unit[] = [];
  let whole: Segment[] = [];
  for (let input = 0; input < inputs.length; input++) {
    const source = inputs[input]!;
    const ranges = source === '-' ? null : await rangesOf(source, rangeBytes);
    if (ranges === null) {
      whole.push({ input, source });
      continue;
    }
    if (whole.length > 0) units.push({ segments: whole });
    whole = [];
    for (const range of ranges) units.push({ segments: [{ input, source, range }] });
  }
  if (whole.length > 0) units.push({ segments: whole });
  return units;
}

/**
 * The ranges of a regular, uncompressed file larger than `rangeBytes`; null for anything read
 * whole (a file that cannot be opened is read whole too, so reading it fails as it always did).
 */
async function rangesOf(path: string, rangeBytes: number): Promise<ByteRange[] | null> {
  let size: number;
  try {
    const s = await stat(path);
    if (!s.isFile() || s.size <= rangeBytes) return null;
    size = s.size;
  } catch {
    return null;
  }
  let file: Awaited<ReturnType<typeof open>>;
  try {
    file = await open(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(2);
    await file.read(head, 0, 2, 0);
    if (isGzipMagic(head)) return null;
    const cuts = [0];
    const buffer = Buffer.alloc(SCAN_BYTES);
    for (let at = rangeBytes; at < size; at += rangeBytes) {
      const last = cuts[cuts.length - 1]!;
      // A line longer than a range: the cut after it is already past this offset.
      if (last >= at) continue;
      const cut = await lineStartFrom(file, at, size, buffer);
      if (cut >= size) break;
      cuts.push(cut);
    }
    cuts.push(size);
    const ranges: ByteRange[] = [];
    for (let i = 1; i < cuts.length; i++) ranges.push({ start: cuts[i - 1]!, end: cuts[i]! });
    return ranges;
  } finally {
    await file.close();
  }
}

/** The first line start at or after `at` (0 < at < size): just past the first `\n` at or after `at - 1`. */
async function lineStartFrom(
  file: Awaited<ReturnType<typeof open>>,
  at: number,
  size: number,
  buffer: Buffer,
): Promise<number> {
  for (let pos = at - 1; pos < size; ) {
    const { bytesRead } = await file.read(buffer, 0, Math.min(buffer.length, size - pos), pos);
    if (bytesRead === 0) return size;
    const nl = buffer.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1) return pos + nl + 1;
    pos += bytesRead;
  }
  return size;
}

/**
 * Ways to find a line's columns, from the Kinesis base64 on, each finding every tab and reading
 * the picked columns of the line aggregator (19 of the fields the aggregates read, as strings):
 * the question issue 17 asked before the parser would scan bytes instead of a decoded string.
 *
 * - `scan-string-indexof`: what the parser does (base64 into a reused buffer, UTF-8 string,
 *   `indexOf('\t')`, `slice` per picked column);
 * - `scan-bytes-loop`: no string for the line: a JS loop over the decoded bytes (a `Uint8Array`
 *   view of the reused buffer) finds the tabs, picked columns become strings as latin1 when
 *   `isAscii` says the line is ASCII (one native check per line), as UTF-8 otherwise;
 * - `scan-bytes-indexof`: as `scan-bytes-loop`, with `Buffer#indexOf(9)` per column instead of the loop;
 * - `scan-latin1-string`: the line as one latin1 string when it is ASCII (cheaper than UTF-8
 *   decoding when it is), then as the parser.
 *
 * Measured (`npm run bench -- --filter baseline,scan`, 40-field layout, Node 20.20, AMD EPYC x2,
 * median of 15, IQR 7-26%): string indexOf 1.85x the floor, latin1 string 1.69x, bytes with
 * Buffer#indexOf 1.07x, bytes with the JS loop 1.04x; recommended layout (median of 9): 1.95x,
 * 1.88x, 0.66x, 0.59x. The string walk wins: V8's `String#indexOf`
 * on a one-byte string is a vectorized search in generated code and V8's UTF-8 decoding of ASCII is
 * as cheap as latin1's copy, where the JS byte loop reads one element per iteration,
 * `Buffer#indexOf` crosses into C++ per call, and each picked column still needs a string of its
 * own, made through a C++ call per column where `slice` of a decoded line makes a view. So the
 * parser keeps decoding the line once and walking it as a string.
 */
import { isAscii } from 'node:buffer';
import { AGGREGATED_FIELDS } from '../../src/aggregate/record.js';
import type { BenchCase, BenchData } from '../types.js';

/** Bytes of the reused buffer base64 is decoded into (as recordText). */
const SCRATCH_BYTES = 64 * 1024;

interface Scan {
  /** Columns picked, by index; false for the others. */
  readonly picked: readonly boolean[];
  readonly scratch: Buffer;
  readonly bytes: Uint8Array;
}

function scanOf(data: BenchData): Scan {
  const wanted = new Set<string>(AGGREGATED_FIELDS);
  const scratch = Buffer.allocUnsafe(SCRATCH_BYTES);
  return {
    picked: data.fields.map((f) => wanted.has(f)),
    scratch,
    bytes: new Uint8Array(scratch.buffer, scratch.byteOffset, scratch.length),
  };
}

/** Checks the picked columns were all read (and keeps the reads alive). */
function checked(data: BenchData, chars: number): number {
  if (chars === 0) throw new Error('no columns read');
  return data.kinesisData.length;
}

export const cases: BenchCase[] = [
  {
    name: 'scan-string-indexof',
    description: 'base64 -> UTF-8 string -> indexOf tab, slice the picked columns (what the parser does)',
    prepare: (data) => {
      const { picked, scratch } = scanOf(data);
      return () => {
        let chars = 0;
        for (const d of data.kinesisData) {
          const n = scratch.write(d, 0, 'base64');
          const line = scratch.toString('utf8', 0, n);
          let s = 0;
          for (let c = 0; c < picked.length; c++) {
            let e = line.indexOf('\t', s);
            if (e === -1) e = line.length;
            if (picked[c]) chars += line.slice(s, e).length;
            s = e + 1;
          }
        }
        return checked(data, chars);
      };
    },
  },
  {
    name: 'scan-bytes-loop',
    description:
      'base64 -> bytes, a JS loop finds the tabs, latin1Slice (isAscii) or utf8Slice per picked column',
    prepare: (data) => {
      const { picked, scratch, bytes } = scanOf(data);
      return () => {
        let chars = 0;
        for (const d of data.kinesisData) {
          const n = scratch.write(d, 0, 'base64');
          const ascii = isAscii(bytes.subarray(0, n));
          let s = 0;
          let i = 0;
          for (let c = 0; c < picked.length; c++) {
            while (i < n && bytes[i] !== 9) i++;
            if (picked[c]) chars += scratch.toString(ascii ? 'latin1' : 'utf8', s, i).length;
            i++;
            s = i;
          }
        }
        return checked(data, chars);
      };
    },
  },
  {
    name: 'scan-bytes-indexof',
    description: 'as scan-bytes-loop with Buffer#indexOf(9) per column instead of the loop',
    prepare: (data) => {
      const { picked, scratch } = scanOf(data);
      return () => {
        let chars = 0;
        for (const d of data.kinesisData) {
          const n = scratch.write(d, 0, 'base64');
          const ascii = isAscii(scratch.subarray(0, n));
          let s = 0;
          for (let c = 0; c < picked.length; c++) {
            let e = scratch.indexOf(9, s);
            if (e === -1 || e > n) e = n;
            if (picked[c]) chars += scratch.toString(ascii ? 'latin1' : 'utf8', s, e).length;
            s = e + 1;
          }
        }
        return checked(data, chars);
      };
    },
  },
  {
    name: 'scan-latin1-string',
    description:
      'base64 -> one latin1 string when isAscii (else UTF-8), then indexOf and slice as the parser',
    prepare: (data) => {
      const { picked, scratch } = scanOf(data);
      return () => {
        let chars = 0;
        for (const d of data.kinesisData) {
          const n = scratch.write(d, 0, 'base64');
          const line = isAscii(scratch.subarray(0, n))
            ? scratch.toString('latin1', 0, n)
            : scratch.toString('utf8', 0, n);
          let s = 0;
          for (let c = 0; c < picked.length; c++) {
            let e = line.indexOf('\t', s);
            if (e === -1) e = line.length;
            if (picked[c]) chars += line.slice(s, e).length;
            s = e + 1;
          }
        }
        return checked(data, chars);
      };
    },
  },
];

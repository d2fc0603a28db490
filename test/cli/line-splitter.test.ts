/**
 * Reading lines: exactly the lines of `split('\n')` for any input cut into chunks anywhere (inside
 * UTF-8 sequences and between `\r` and `\n` included), and a line over the limit reported by its
 * length, never held, with the lines after it read as usual.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isTooLong, type LineItem, MAX_LINE_BYTES, readLineItems, readLines } from '../../src/cli/input.js';
import { createLineSplitter } from '../../src/cli/line-splitter.js';

/** What reading must give: the `\n`-separated pieces, without the empty one after a final `\n`. */
function expectedLines(bytes: Buffer): string[] {
  const lines = bytes.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}

/** Cuts `bytes` at the given offsets (any order, duplicates and ends allowed). */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const to of [...at, bytes.length]) {
    chunks.push(bytes.subarray(from, to));
    from = to;
  }
  return chunks;
}

function split(chunks: readonly Buffer[], max?: number): LineItem[] {
  const splitter = createLineSplitter(max);
  return [...chunks.flatMap((c) => splitter.push(c)), ...splitter.end()];
}

// Text made of the pieces that matter: tabs, \r\n, multi-byte characters (2, 3 and 4 bytes).
const piece = fc.constantFrom('a', '\t', '\n', '\r', '\r\n', 'é', '€', '𝄞', '%0A', '-', '200', '');
const text = fc.oneof(
  fc.array(piece, { maxLength: 200 }).map((p) => p.join('')),
  fc.string({ unit: 'binary', maxLength: 300 }),
);

describe('createLineSplitter', () => {
  it('gives exactly the lines of split("\\n") for any text and any chunking', () => {
    fc.assert(
      fc.property(text, fc.array(fc.nat(), { maxLength: 20 }), (t, cuts) => {
        const bytes = Buffer.from(t, 'utf8');
        expect(split(chunked(bytes, cuts))).toEqual(expectedLines(bytes));
      }),
      { numRuns: 2_000 },
    );
  });

  it('gives what a whole-input decode gives for any bytes, invalid UTF-8 included', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b.map((x) => (x % 7 === 0 ? 10 : x)))),
        fc.array(fc.nat(), { maxLength: 20 }),
        (bytes, cuts) => {
          expect(split(chunked(bytes, cuts))).toEqual(expectedLines(bytes));
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('reports a line over the limit by its length, wherever the chunks fall, and reads on', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: 40 }), fc.constantFrom('x', 'é', '\r')), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.boolean(),
        (spec, cuts, finalNewline) => {
          const max = 20;
          const lines = spec.map(([n, c]) => c.repeat(n));
          const bytes = Buffer.from(lines.join('\n') + (finalNewline ? '\n' : ''), 'utf8');
          const expected = expectedLines(bytes).map((line) => {
            const n = Buffer.byteLength(line);
            return n > max ? { tooLong: true, bytes: n, reason: `line too long: ${n} bytes` } : line;
          });
          expect(split(chunked(bytes, cuts), max)).toEqual(expected);
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('takes a line of exactly the limit, refuses one byte more', () => {
    const max = 10;
    expect(split([Buffer.from('0123456789\n01234567890\nok')], max)).toEqual([
      '0123456789',
      { tooLong: true, bytes: 11, reason: 'line too long: 11 bytes' },
      'ok',
    ]);
  });

  it('keeps no chunk it was given: the start of a line is copied', () => {
    const chunk = Buffer.from('ab');
    const splitter = createLineSplitter();
    splitter.push(chunk);
    chunk.fill(0x7a);
    expect(splitter.push(Buffer.from('c\n'))).toEqual(['abc']);
  });
});

describe('readLineItems and readLines on files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cfrt-lines-'));
  const big = 5 * 1024 * 1024;
  const path = join(dir, 'long.tsv');
  writeFileSync(
    path,
    Buffer.concat([Buffer.from('first\n'), Buffer.alloc(big, 0x78), Buffer.from('\nlast\n')]),
  );

  it('yield a 5 MiB line as a too-long item between the lines around it (plain and gzip)', async () => {
    const gz = join(dir, 'long.tsv.gz');
    writeFileSync(
      gz,
      gzipSync(Buffer.concat([Buffer.from('first\n'), Buffer.alloc(big, 0x78), Buffer.from('\nlast')])),
    );
    for (const file of [path, gz]) {
      const items: LineItem[] = [];
      for await (const item of readLineItems([file])) items.push(item);
      expect(items).toEqual([
        'first',
        { tooLong: true, bytes: big, reason: `line too long: ${big} bytes` },
        'last',
      ]);
      expect(isTooLong(items[1]!)).toBe(true);
    }
    expect(big).toBeGreaterThan(MAX_LINE_BYTES);
  });

  it('readLines hands a too-long line to onTooLong in order, or stops with an error naming it', async () => {
    const seen: string[] = [];
    for await (const line of readLines([path], { onTooLong: (t) => seen.push(t.reason) })) seen.push(line);
    expect(seen).toEqual(['first', `line too long: ${big} bytes`, 'last']);
    const lines: string[] = [];
    await expect(async () => {
      for await (const line of readLines([path])) lines.push(line);
    }).rejects.toThrow(`long.tsv: line 2: line too long: ${big} bytes`);
    expect(lines).toEqual(['first']);
  });
});

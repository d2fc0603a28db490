import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { recordText } from '../../src/handler/kinesis-event.js';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

describe('recordText: a Kinesis record as text, decoded into a reused buffer', () => {
  it('equals Buffer.from(data, "base64").toString("utf8") for any text, calls interleaved', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 300 }), { minLength: 1, maxLength: 5 }),
        (texts) => {
          // Later, shorter records must not show bytes of earlier, longer ones.
          for (const t of texts) expect(recordText({ data: base64(t) })).toBe(t);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('grows for a record larger than its buffer (Kinesis records go up to 1 MiB)', () => {
    const big = 'é\t'.repeat(300_000);
    expect(recordText({ data: base64(big) })).toBe(big);
    expect(recordText({ data: base64('a\tb\n') })).toBe('a\tb\n');
    expect(recordText({ data: '' })).toBe('');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODERS, MALFORMED } from '../../src/parser/decode.js';

describe('seconds decoding', () => {
  it('gives exactly the double Number() gives, for any decimal text', () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^\d{1,12}$/), fc.option(fc.stringMatching(/^\d{1,10}$/), { nil: undefined }))
      .map(([i, f]) => (f === undefined ? i : `${i}.${f}`));
    fc.assert(
      fc.property(decimal, (text) => {
        expect(Object.is(DECODERS.seconds(text), Number(text))).toBe(true);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the 3-decimal values CloudFront writes exact, and refuses what is not a decimal', () => {
    expect(DECODERS.seconds('0.140')).toBe(0.14);
    expect(DECODERS.seconds('1234567890.123456789')).toBe(Number('1234567890.123456789')); // 19 digits: Number()
    for (const bad of ['1.', '.5', '1.2.3', '-1', '1e3', ' 1', '0x1F'])
      expect(DECODERS.seconds(bad)).toBe(MALFORMED);
  });
});

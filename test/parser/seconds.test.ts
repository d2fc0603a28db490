import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DECODERS, MALFORMED, MAX_NUMBER_DIGITS } from '../../src/parser/decode.js';

describe('seconds decoding', () => {
  it('gives exactly the double Number() gives, for any decimal text of up to 15 digits, and refuses longer', () => {
    const decimal = fc
      .tuple(fc.stringMatching(/^\d{1,12}$/), fc.option(fc.stringMatching(/^\d{1,10}$/), { nil: undefined }))
      .map(([i, f]) => (f === undefined ? i : `${i}.${f}`));
    fc.assert(
      fc.property(decimal, (text) => {
        const digits = text.replace('.', '').length;
        if (digits <= MAX_NUMBER_DIGITS) expect(Object.is(DECODERS.seconds(text), Number(text))).toBe(true);
        else expect(DECODERS.seconds(text)).toBe(MALFORMED);
      }),
      { numRuns: 5000 },
    );
  });

  it('keeps the 3-decimal values CloudFront writes exact, and refuses what is not a decimal', () => {
    expect(DECODERS.seconds('0.140')).toBe(0.14);
    expect(DECODERS.seconds('1234567890.12345')).toBe(1234567890.12345);
    // Past the documented range (15 digits) a number is malformed, never rounded or Infinity.
    expect(DECODERS.seconds('1234567890.123456789')).toBe(MALFORMED);
    expect(DECODERS.seconds('9'.repeat(309))).toBe(MALFORMED);
    for (const bad of ['1.', '.5', '1.2.3', '-1', '1e3', ' 1', '0x1F'])
      expect(DECODERS.seconds(bad)).toBe(MALFORMED);
  });

  it('keeps every integer and timestamp finite and exact: longer columns are malformed', () => {
    expect(DECODERS.int('999999999999999')).toBe(999_999_999_999_999);
    expect(DECODERS.int('1000000000000000')).toBe(MALFORMED);
    expect(DECODERS.int('9'.repeat(309))).toBe(MALFORMED);
    expect(DECODERS.timestamp('9999999999.999')).toBe(9_999_999_999_999);
    expect(DECODERS.timestamp('9999999999999')).toBe(MALFORMED);
    fc.assert(
      fc.property(fc.stringMatching(/^\d{1,400}$/), (digits) => {
        for (const kind of ['int', 'seconds', 'timestamp'] as const) {
          const v = DECODERS[kind](digits);
          if (v !== MALFORMED) {
            expect(Number.isFinite(v)).toBe(true);
            expect(Number.isSafeInteger(Math.trunc(v as number))).toBe(true);
          }
        }
        // Ten digits of seconds at most: always a valid Date.
        if (digits.length <= 10)
          expect(new Date(DECODERS.timestamp(digits) as number).getTime()).not.toBeNaN();
      }),
      { numRuns: 500 },
    );
  });
});

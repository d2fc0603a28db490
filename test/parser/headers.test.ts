/**
 * The cs-headers decoder reads the `%0A`-joined list in one walk; the oracle is the piece path it
 * replaced: split on `%0A` (the empty piece after a trailing one dropped), percent-decode each
 * piece once (kept raw when that fails), cut it at its first `:`. Hostile pieces: escaped and bare
 * `:`, `%3A` in names, lowercase `%0a`, bad and truncated escapes, non-ASCII, empty pieces.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createHeadersDecoder, DECODERS, decodeText } from '../../src/parser/decode.js';

function oracle(raw: string): [string, string][] {
  const pieces = raw.split('%0A');
  if (pieces.length > 1 && pieces[pieces.length - 1] === '') pieces.pop();
  return pieces.map((piece) => {
    const text = decodeText(piece);
    const colon = text.indexOf(':');
    return colon === -1 ? [text, ''] : [text.slice(0, colon), text.slice(colon + 1)];
  });
}

const decodeHeaders = DECODERS.headers;

const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('%0A', ':', 'a', 'host', '%20', ' ', '-') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '%0a',
      '%3A',
      '%3a',
      '%',
      '%2',
      '%25',
      '%ZZ',
      '%E6%9D%B1',
      '%E6%9D',
      '%C3',
      'é',
      '東',
    ),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
);

/** Raw column text as the parser hands it over: never empty, never `-`. */
const rawHeaders = fc
  .array(unit, { minLength: 1, maxLength: 60, size: 'max' })
  .map((units) => units.join(''))
  .filter((raw) => raw !== '' && raw !== '-');

describe('cs-headers decoding', () => {
  it('equals the piece-by-piece decoding for any text', () => {
    fc.assert(
      fc.property(rawHeaders, (raw) => {
        expect(decodeHeaders(raw)).toEqual(oracle(raw));
      }),
      { numRuns: 2_000 },
    );
  });

  it("with a parser's value memo, equals it for any sequence of columns (repeats, collisions)", () => {
    fc.assert(
      fc.property(fc.array(rawHeaders, { minLength: 1, maxLength: 30 }), fc.nat(), (raws, seed) => {
        const decode = createHeadersDecoder();
        // Each column several times, in an order of its own: memo hits, misses and overwrites.
        const sequence = [...raws, ...raws.map((_, i) => raws[(i * 7 + seed) % raws.length]!), ...raws];
        for (const raw of sequence) expect(decode(raw)).toEqual(oracle(raw));
      }),
      { numRuns: 300 },
    );
  });

  it('equals it on the shapes CloudFront writes, and their edges', () => {
    for (const raw of [
      'host:a.example%0Auser-agent:Mozilla/5.0%20(X11)%0A',
      'host:a.example%0Auser-agent:Mozilla/5.0%20(X11)',
      '%0A',
      '%0A%0A',
      ':',
      'a%3Ab:c',
      'name:%ZZ%20x',
      'x-cut-at-800-bytes%20no-colon',
      'a:b%0ac:d',
      `${'x-long:'}${'%20v'.repeat(5_000)}`,
    ]) {
      expect(decodeHeaders(raw), raw.slice(0, 40)).toEqual(oracle(raw));
      expect(createHeadersDecoder()(raw), raw.slice(0, 40)).toEqual(oracle(raw));
    }
  });
});

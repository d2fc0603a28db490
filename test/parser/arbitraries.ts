/**
 * fast-check arbitraries for real-time log records: any subset of the catalogue, in any listed
 * order, with values of each field's decoded type (non-ASCII, `%`, spaces, IPv6, empty lists).
 */
import fc from 'fast-check';
import { FIELD_CATALOGUE, type FieldKind } from '../../src/parser/fields.js';

/** Text CloudFront could carry: anything but lone surrogates; never `-` or empty (those mean null). */
/** One Unicode code point (never a lone surrogate: those cannot be UTF-8). */
const anyChar = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });

const textValue = fc
  .string({
    unit: fc.oneof(fc.constantFrom('%', '%2', '%25', '+', ' ', '-', ':', ',', '\t', '\n'), anyChar),
    minLength: 1,
  })
  .filter((s) => s !== '-');

/** Text without the separators a list field splits on. */
const itemValue = (forbidden: RegExp) =>
  fc
    .string({
      unit: fc.oneof(fc.constantFrom('%', ' ', '-', 'é', '東', 'a', '1', '.'), anyChar),
      minLength: 1,
    })
    .map((s) => s.replace(forbidden, ''))
    .filter((s) => s.trim() === s && s !== '' && s !== '-');

const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6();

/** Decimal text with up to three fraction digits, as CloudFront writes seconds. */
const seconds = fc.integer({ min: 0, max: 3_600_000 }).map((ms) => ms / 1000);

const VALUE_BY_KIND: { readonly [K in FieldKind]: fc.Arbitrary<unknown> } = {
  timestamp: fc.integer({ min: 0, max: 4_102_444_800_000 }),
  // The documented range: at most 15 digits (MAX_NUMBER_DIGITS).
  int: fc.integer({ min: 0, max: 999_999_999_999_999 }),
  seconds,
  text: textValue,
  'ip-list': fc.array(fc.oneof(ipv4, ipv6), { minLength: 1, maxLength: 5 }),
  'header-names': fc.array(itemValue(/[:\n]/g), { minLength: 1, maxLength: 6 }),
  // No raw newline inside a header (HTTP forbids it; CloudFront joins items with an encoded one).
  headers: fc.array(
    fc.tuple(
      itemValue(/[:\n]/g),
      fc.string({ unit: 'binary' }).map((v) => v.replace(/\n/g, '')),
    ),
    {
      minLength: 1,
      maxLength: 6,
    },
  ),
  // CMCD: numeric values become numbers; other text stays text (non-numeric strings only).
  cmcd: fc.oneof(
    seconds,
    textValue.filter((s) => !/^\d+(\.\d+)?$/.test(s)),
  ),
};

/** A non-empty subset of the catalogue, in a random listed order. */
export const fieldSubset = fc
  .shuffledSubarray(
    FIELD_CATALOGUE.map((f) => f.name),
    { minLength: 1 },
  )
  .chain((subset) => fc.shuffledSubarray(subset, { minLength: subset.length, maxLength: subset.length }));

/** A record for a field list: each value of its kind, or null. */
export function recordFor(fields: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  const entries = fields.map((name) => {
    const kind = FIELD_CATALOGUE.find((f) => f.name === name)!.kind;
    return [name, fc.option(VALUE_BY_KIND[kind], { nil: null, freq: 5 })] as const;
  });
  return fc.record(Object.fromEntries(entries));
}

/** A field list and a record for it. */
export const fieldsAndRecord = fieldSubset.chain((fields) =>
  recordFor(fields).map((record) => ({ fields, record })),
);

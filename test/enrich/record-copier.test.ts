import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { COPIER_CACHE_SIZE, createRecordCopier } from '../../src/enrich/record-copier.js';

describe('record copier', () => {
  it('copies any record: a new object with the same own keys, in order, and the same values', () => {
    const copy = createRecordCopier();
    fc.assert(
      fc.property(
        fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('__proto__', '0', '12', 'c-ip')), fc.anything()),
        (record) => {
          const out = copy(record);
          expect(out).not.toBe(record);
          expect(Object.keys(out)).toEqual(Object.keys(record));
          for (const k of Object.keys(record))
            expect(Object.is(out[k], (record as Record<string, unknown>)[k])).toBe(true);
          expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('stays right when more layouts than it caches alternate', () => {
    const copy = createRecordCopier();
    const layouts = Array.from({ length: COPIER_CACHE_SIZE + 3 }, (_, i) =>
      Object.fromEntries(Array.from({ length: i + 1 }, (_, j) => [`f${j}`, j * i])),
    );
    for (let round = 0; round < 3; round++) for (const l of layouts) expect(copy(l)).toEqual(l);
  });

  it('keeps a __proto__ key as an own key, never as the prototype', () => {
    const record = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const out = createRecordCopier()(record);
    expect(Object.hasOwn(out, '__proto__')).toBe(true);
    expect((out as { polluted?: boolean }).polluted).toBeUndefined();
  });
});

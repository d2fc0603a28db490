/**
 * Builds records from split columns, one builder per layout, chosen when the parser is built.
 *
 * Measured on the 40-field layout (same process, interleaved): assigning 40 computed keys in a
 * loop cost more than the tab split itself; a generated object literal builds the record with one
 * hidden class for a small fraction of that. Lazy decoding (accessor properties decoding on first
 * read) was measured too and rejected: V8 defines accessors in literals through a slow runtime
 * path, so even two lazy header fields cost as much as decoding them (192 ms vs 190 ms eager
 * per 20,000 lines); records stay plain data objects, every field decoded.
 */
import { type Decoder, MALFORMED } from './decode.js';
import type { Column, Layout } from './layout.js';

/** Builds a record from the columns, or returns the index of the column that is malformed. */
export type RecordBuilder = (cols: readonly string[]) => Record<string, unknown> | number;

/** Kinds whose decoder can return MALFORMED; only their columns need a check. */
const FALLIBLE: ReadonlySet<Column['kind']> = new Set(['timestamp', 'int', 'seconds']);

/** The interpreted builder: used where code generation from strings is disallowed. */
function loopBuilder(layout: Layout, decoders: readonly Decoder<unknown>[]): RecordBuilder {
  const names = layout.fields;
  return (cols) => {
    const record: Record<string, unknown> = {};
    for (let i = 0; i < cols.length; i++) {
      const raw = cols[i]!;
      if (raw === '-' || raw === '') {
        record[names[i]!] = null;
        continue;
      }
      const value = decoders[i]!(raw);
      if (value === MALFORMED) return i;
      record[names[i]!] = value;
    }
    return record;
  };
}

/**
 * Generates `function build(c) { const r0 = c[0]; const v0 = ...; ... return { "timestamp": v0, ... } }`.
 * Field names go into the source only through JSON.stringify, so any name admitted by an explicit
 * delivery order is a safe property key (`__proto__`, which a literal would treat as the
 * prototype, is refused by `resolveLayout`).
 */
function generatedBuilder(layout: Layout, decoders: readonly Decoder<unknown>[]): RecordBuilder {
  const lines: string[] = [];
  const props: string[] = [];
  layout.columns.forEach((column, i) => {
    const key = JSON.stringify(column.name);
    lines.push(`const r${i} = c[${i}]; const v${i} = r${i} === '-' || r${i} === '' ? null : d${i}(r${i});`);
    if (FALLIBLE.has(column.kind)) lines.push(`if (v${i} === M) return ${i};`);
    props.push(`${key}: v${i}`);
  });
  const params = decoders.map((_, i) => `d${i}`);
  const source = `'use strict'; return function build(c) {\n${lines.join('\n')}\nreturn {\n${props.join(',\n')}\n};\n};`;
  // Safe: the source is built from the catalogue's kinds and JSON-quoted field names only.
  const factory = new Function('M', ...params, source) as (...args: unknown[]) => RecordBuilder;
  return factory(MALFORMED, ...decoders);
}

/** The builder for a layout: generated when the runtime allows it, interpreted otherwise. */
export function createRecordBuilder(layout: Layout, decoders: readonly Decoder<unknown>[]): RecordBuilder {
  try {
    return generatedBuilder(layout, decoders);
  } catch (err) {
    // `--disallow-code-generation-from-strings` or a CSP: fall back to the loop, same results.
    if (err instanceof EvalError) return loopBuilder(layout, decoders);
    throw err;
  }
}

/** The interpreted builder, exported for tests that check both builders agree. */
export { loopBuilder };

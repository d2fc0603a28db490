/**
 * Builds records from lines, one builder per layout, chosen when the parser is built.
 *
 * Measured on the 40-field layout (same process, interleaved): assigning 40 computed keys in a
 * loop cost more than the tab split itself; a generated object literal builds the record with one
 * hidden class for a small fraction of that. Lazy decoding (accessor properties decoding on first
 * read) was measured too and rejected: V8 defines accessors in literals through a slow runtime
 * path, so even two lazy header fields cost as much as decoding them (192 ms vs 190 ms eager
 * per 20,000 lines); records stay plain data objects, every field decoded.
 *
 * The generated builder does not split the line: it walks it with `indexOf('\t')` and reads number
 * columns in place. Measured per 20,000 recommended-layout lines: `split('\t')` 20.8 ms, finding
 * the same tabs with `indexOf` 7.2 ms (the split allocates an array and a string per column, and a
 * third of the columns are numbers that need no string at all).
 */
import { compileFunction } from './compile-function.js';
import { type Decoder, MALFORMED, RANGE_DECODERS, type RangeDecoder } from './decode.js';
import type { Layout } from './layout.js';

/** What a builder returns when the line has another number of columns than its layout. */
export const COLUMN_COUNT_MISMATCH = -1;

/**
 * Builds a record from `line` up to `end` (where its line ending starts: the parser does not cut
 * it off, which would make every later read go through a sliced string), or returns the index of
 * the column that is malformed, or `COLUMN_COUNT_MISMATCH`.
 */
export type RecordBuilder = (line: string, end: number) => Record<string, unknown> | number;

/** The interpreted builder: used where code generation from strings is disallowed. */
function loopBuilder(
  layout: Layout,
  decoders: readonly Decoder<unknown>[],
  picked: ReadonlySet<string> | null = null,
): RecordBuilder {
  const names = layout.fields;
  const keep = names.map((name) => picked === null || picked.has(name));
  return (line, end) => {
    const cols = line.slice(0, end).split('\t');
    if (cols.length !== names.length) return COLUMN_COUNT_MISMATCH;
    const record: Record<string, unknown> = {};
    for (let i = 0; i < cols.length; i++) {
      const raw = cols[i]!;
      if (raw === '-' || raw === '') {
        if (keep[i]) record[names[i]!] = null;
        continue;
      }
      const value = decoders[i]!(raw);
      if (value === MALFORMED) return i;
      if (keep[i]) record[names[i]!] = value;
    }
    return record;
  };
}

/** Kinds whose decoder returns text without a `%` as it is (a memo in front changes nothing). */
const PLAIN_WITHOUT_ESCAPE: ReadonlySet<string> = new Set(['text', 'raw']);

function rangeDecoderOf(kind: string): RangeDecoder<number> | undefined {
  return Object.hasOwn(RANGE_DECODERS, kind)
    ? RANGE_DECODERS[kind as keyof typeof RANGE_DECODERS]
    : undefined;
}

/**
 * Generates (or `null` where code generation is disallowed), for a layout of N columns:
 * `function build(l, n) { let s = 0; let e = l.indexOf('\t', s); if (e === -1) return -1; const v0 = ...; ... return { "timestamp": v0, ... } }`.
 * A column is `null` when it is empty or `-`; number kinds are decoded from `l` between `s` and `e`
 * (`D0(l, s, e)`), the other kinds from the substring (`d1(l.slice(s, e))`). Field names go into
 * the source only through JSON.stringify, so any name admitted by an explicit delivery order is a
 * safe property key (`__proto__`, which a literal would treat as the prototype, is refused by
 * `resolveLayout`).
 */
function generatedBuilder(
  layout: Layout,
  decoders: readonly Decoder<unknown>[],
  picked: ReadonlySet<string> | null,
): RecordBuilder | null {
  // A malformed column is remembered, not returned at once: the column count is checked first.
  // `pct`: the next `%` at or after the current column (-1: none). A text column without one is
  // its own text, so the decoder is not called (it would scan the column for a `%` again);
  // measured: one `indexOf('%')` per line instead of one per text column.
  const lines: string[] = ['let s = 0;', 'let e = 0;', 'let bad = -1;', "let pct = l.indexOf('%');"];
  const props: string[] = [];
  const last = layout.columns.length - 1;
  const ranged = layout.columns.map((c) => rangeDecoderOf(c.kind));
  layout.columns.forEach((column, i) => {
    lines.push(
      i < last
        ? `e = l.indexOf('\\t', s); if (e === -1) return ${COLUMN_COUNT_MISMATCH};`
        : `if (l.indexOf('\\t', s) !== -1) return ${COLUMN_COUNT_MISMATCH}; e = n;`,
    );
    const empty = `e === s || (e === s + 1 && l.charCodeAt(s) === 45)`;
    const keep = picked === null || picked.has(column.name);
    if (ranged[i] !== undefined) {
      // A column left out of the record is still checked: picking never changes which lines parse.
      lines.push(
        keep
          ? `const v${i} = ${empty} ? null : D${i}(l, s, e); if (v${i} === M && bad === -1) bad = ${i};`
          : `if (!(${empty}) && bad === -1 && D${i}(l, s, e) === M) bad = ${i};`,
      );
    } else if (keep && PLAIN_WITHOUT_ESCAPE.has(column.kind)) {
      lines.push(
        `if (pct !== -1 && pct < s) pct = l.indexOf('%', s);`,
        `const v${i} = ${empty} ? null : pct === -1 || pct >= e ? l.slice(s, e) : d${i}(l.slice(s, e));`,
      );
    } else if (keep) {
      lines.push(`const v${i} = ${empty} ? null : d${i}(l.slice(s, e));`);
    }
    if (i < last) lines.push('s = e + 1;');
    if (keep) props.push(`${JSON.stringify(column.name)}: v${i}`);
  });
  const params = [...decoders.map((_, i) => `d${i}`), ...ranged.map((_, i) => `D${i}`)];
  // Past `n` there is only the line ending (`\r`, `\n`): no tab is ever found there.
  const source = `'use strict'; return function build(l, n) {\n${lines.join('\n')}\nif (bad !== -1) return bad;\nreturn {\n${props.join(',\n')}\n};\n};`;
  // Safe: the source is built from the catalogue's kinds and JSON-quoted field names only.
  const factory = compileFunction<(...args: unknown[]) => RecordBuilder>(['M', ...params], source);
  return factory === null ? null : factory(MALFORMED, ...decoders, ...ranged);
}

/**
 * The builder for a layout: generated when the runtime allows it, interpreted otherwise. Columns
 * of the number kinds are read with `RANGE_DECODERS`; `decoders` serve the others (and the
 * interpreted builder), so both give the same records. With `picked`, only those fields are keys of
 * the record; every column is still checked.
 */
export function createRecordBuilder(
  layout: Layout,
  decoders: readonly Decoder<unknown>[],
  picked: ReadonlySet<string> | null = null,
): RecordBuilder {
  // Where code generation is disallowed (`compileFunction`), the loop: same results.
  return generatedBuilder(layout, decoders, picked) ?? loopBuilder(layout, decoders, picked);
}

/** The interpreted builder, exported for tests that check both builders agree. */
export { loopBuilder };

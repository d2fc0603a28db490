/**
 * From a field list to a column layout. CloudFront delivers columns in its canonical order
 * restricted to the configured fields, whatever order the config was written in, so the layout is
 * the list sorted by catalogue position, unless the caller gives the delivery order explicitly.
 */

import { editDistance } from '../model/suggest.js';
import { FieldListError } from './errors.js';
import {
  canonicalPosition,
  FIELD_NAMES,
  type FieldKind,
  fieldSpec,
  STANDARD_LOG_ONLY_FIELDS,
} from './fields.js';

/**
 * How the field list maps to columns.
 * - `canonical` (default): the list in any order; columns follow CloudFront's canonical order.
 *   Unknown names are errors.
 * - `delivery`: the list *is* the column order (the `Fields` that `GetRealtimeLogConfig` returns);
 *   names the catalogue does not know yet are admitted and kept as raw text.
 */
export type FieldOrder = 'canonical' | 'delivery';

/** One column of a layout. */
export interface Column {
  readonly name: string;
  readonly kind: FieldKind | 'raw';
}

/** The columns of one field list, in delivery order. */
export interface Layout {
  readonly fields: readonly string[];
  readonly columns: readonly Column[];
}

/**
 * Splits a field list written as text: comma- and/or whitespace-separated, as users paste it from
 * the console, SAM or Terraform.
 *
 * @example
 * splitFieldList('timestamp, c-ip sc-status'); // ['timestamp', 'c-ip', 'sc-status']
 */
export function splitFieldList(text: string): string[] {
  return text.split(/[\s,]+/).filter((s) => s !== '');
}

/** Up to three known field names closest to `name`. */
export function closestFields(name: string): string[] {
  const lower = name.toLowerCase();
  return FIELD_NAMES.map((f) => ({
    f,
    d: f === lower ? 0 : editDistance(lower, f) + (f.includes(lower) ? -2 : 0),
  }))
    .sort((x, y) => x.d - y.d || x.f.localeCompare(y.f))
    .slice(0, 3)
    .map((x) => x.f);
}

function unknownFieldProblem(name: string): string {
  const standard = STANDARD_LOG_ONLY_FIELDS.get(name.toLowerCase());
  if (standard !== undefined) {
    return `"${name}" is a CloudFront standard-log field, not a real-time log field; real-time logs carry "${standard}" instead.`;
  }
  const near = closestFields(name)
    .map((f) => `"${f}"`)
    .join(', ');
  return (
    `Unknown real-time log field "${name}"; the closest known fields are ${near}. ` +
    `If CloudFront added it recently, give the delivery order instead (order: 'delivery' in createParser, --delivery-order in cfrt) to keep it as raw text.`
  );
}

/**
 * Resolves a field list into a layout, or throws `FieldListError` naming every problem at once:
 * an empty list, duplicates, unknown or standard-log names.
 *
 * @example
 * resolveLayout(['sc-status', 'timestamp']).fields; // ['timestamp', 'sc-status']
 */
export function resolveLayout(fields: readonly string[], order: FieldOrder = 'canonical'): Layout {
  const problems: string[] = [];
  if (fields.length === 0)
    problems.push('The field list is empty; a real-time log config has at least one field.');
  const seen = new Set<string>();
  for (const name of fields) {
    if (seen.has(name)) problems.push(`Field "${name}" is listed twice; list each field once.`);
    seen.add(name);
    if (name === '__proto__') problems.push('"__proto__" cannot be a field name.');
    else if (order === 'canonical' && fieldSpec(name) === undefined) problems.push(unknownFieldProblem(name));
  }
  if (problems.length > 0) throw new FieldListError(problems);

  const ordered =
    order === 'canonical'
      ? [...fields].sort((a, b) => canonicalPosition(a) - canonicalPosition(b))
      : [...fields];
  return {
    fields: ordered,
    columns: ordered.map((name) => ({ name, kind: fieldSpec(name)?.kind ?? 'raw' })),
  };
}

/**
 * Why two layouts cannot be read side by side, or `null` when they can. A line carries no mark of
 * the field list it was written with, only its column count: CloudFront sends its canonical order
 * restricted to the configured fields, so two lists of the same length have nothing reliable to
 * tell them apart. Trying each layout per line would not do: a field swapped for another of the
 * same kind (two text fields) parses either way, with every column in between read under a
 * neighbour's name, and a wrong guess is a silently wrong figure rather than a counted failure.
 *
 * @example
 * layoutConflict(resolveLayout(['timestamp', 'cs-cookie']), resolveLayout(['timestamp', 'cs-referer']));
 * // 'Two field lists have 2 fields (only in one: cs-cookie; only in the other: cs-referer). ...'
 */
export function layoutConflict(a: Layout, b: Layout): string | null {
  const n = a.fields.length;
  if (n !== b.fields.length) return null;
  const onlyA = a.fields.filter((f) => !b.fields.includes(f));
  const onlyB = b.fields.filter((f) => !a.fields.includes(f));
  const difference =
    onlyA.length === 0
      ? 'the same fields in another order'
      : `only in one: ${onlyA.join(', ')}; only in the other: ${onlyB.join(', ')}`;
  return (
    `Two field lists have ${n} fields (${difference}). A line carries no mark of its field list, only its ` +
    'column count, so field lists read side by side need different numbers of fields. Make such a change ' +
    'in two steps: first add the new fields (the old list stays readable beside it), then, once lines of ' +
    'the old list have stopped arriving, remove the fields that go.'
  );
}

/**
 * Resolves several field lists (the current one and those still arriving after a config change)
 * into layouts, or throws `FieldListError` naming every problem: each list's own, and any two lists
 * of the same length (see `layoutConflict`). A list identical to an earlier one is read once.
 *
 * @example
 * resolveLayouts([['timestamp', 'sc-status', 'time-taken'], ['timestamp', 'sc-status']]).length; // 2
 */
export function resolveLayouts(
  lists: readonly (readonly string[])[],
  order: FieldOrder = 'canonical',
): Layout[] {
  if (lists.length === 0) throw new FieldListError(['No layouts given; pass at least one field list.']);
  const problems: string[] = [];
  const layouts: Layout[] = [];
  lists.forEach((fields, i) => {
    let layout: Layout;
    try {
      layout = resolveLayout(fields, order);
    } catch (error) {
      if (!(error instanceof FieldListError)) throw error;
      for (const p of error.problems) problems.push(lists.length === 1 ? p : `Field list ${i + 1}: ${p}`);
      return;
    }
    const key = layout.fields.join('\t');
    if (layouts.some((l) => l.fields.join('\t') === key)) return;
    for (const earlier of layouts) {
      const conflict = layoutConflict(earlier, layout);
      if (conflict !== null) problems.push(conflict);
    }
    layouts.push(layout);
  });
  if (problems.length > 0) throw new FieldListError(problems);
  return layouts;
}

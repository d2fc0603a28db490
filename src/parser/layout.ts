/**
 * From a field list to a column layout. CloudFront delivers columns in its canonical order
 * restricted to the configured fields, whatever order the config was written in, so the layout is
 * the list sorted by catalogue position, unless the caller gives the delivery order explicitly.
 */
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

/** Levenshtein distance, for "did you mean" suggestions. Built at construction only. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
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

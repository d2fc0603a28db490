/**
 * The vocabulary every room declares its options in: zod's tree-shakable build (`zod/mini`), so a
 * declaration is a schema carrying the option's range, its default and its message in the user's
 * words. A room declares its options once (`AGGREGATOR_OPTIONS`, `ENRICHER_OPTIONS`, the sinks'
 * in sinks/options.ts); the handler composes them with environment names, the CLI with flags, the
 * SAM template test with parameters, and all of them report problems as `ConfigIssue`s.
 */
import * as z from 'zod/mini';
import type { ConfigIssue } from './errors.js';
import { closestName } from './suggest.js';

/** A declared option: a schema whose output is the option's value (default applied). */
export type OptionSchema<T = unknown> = z.ZodMiniType<T>;

/** A room's declared options, by name. */
export type OptionShape = Readonly<Record<string, OptionSchema>>;

/** `"a", "b" or "c"`. */
export function listOr(values: readonly (string | number)[]): string {
  const shown = values.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  return shown.length <= 1 ? shown.join('') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
}

/**
 * A whole number from `min` to `max`, one message for every way to miss it.
 *
 * @example
 * const windowSeconds = z._default(wholeNumber(1, 86_400, 'must be a whole number of seconds from 1 to 86400'), 60);
 */
export function wholeNumber(
  min: number,
  max: number,
  message = `must be a whole number from ${min} to ${max}`,
) {
  return z.int({ error: message }).check(z.minimum(min, message), z.maximum(max, message));
}

/** A number from `min` to `max` (fractions allowed). */
export function numberFrom(min: number, max: number, message = `must be a number from ${min} to ${max}`) {
  return z.number({ error: message }).check(z.minimum(min, message), z.maximum(max, message));
}

/** One of the given words. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, message?: string) {
  return z.enum(values, { error: message ?? `must be ${listOr(values)}` });
}

/** `true` or `false`. */
export function flag() {
  return z.boolean({ error: 'must be true or false' });
}

function shown(input: unknown): string | null {
  if (typeof input === 'string')
    return JSON.stringify(input.length > 80 ? `${input.slice(0, 77)}...` : input);
  if (typeof input === 'number' || typeof input === 'boolean' || typeof input === 'bigint')
    return String(input);
  return null;
}

/** The outcome of checking options against declarations: the value, or every issue. */
export type Checked<T> =
  | { readonly ok: true; readonly value: T; readonly issues: readonly [] }
  | { readonly ok: false; readonly value?: undefined; readonly issues: readonly ConfigIssue[] };

/**
 * Checks `input` against a schema and turns zod's issues into `ConfigIssue`s: the path kept, the
 * value the user gave appended (`; got 0`) when it is a plain value.
 *
 * @example
 * checkOptions(z.object({ topK: wholeNumber(100, 1000) }), { topK: 5 }).issues;
 * // [{ path: ['topK'], message: 'must be a whole number from 100 to 1000; got 5' }]
 */
export function checkOptions<T>(schema: z.ZodMiniType<T>, input: unknown): Checked<T> {
  const parsed = schema.safeParse(input, { reportInput: true });
  if (parsed.success) return { ok: true, value: parsed.data, issues: [] };
  const issues = parsed.error.issues.map((issue): ConfigIssue => {
    const got = issue.code === 'custom' ? null : shown(issue.input);
    return {
      path: issue.path.filter((p): p is string | number => typeof p !== 'symbol'),
      message: got === null ? issue.message : `${issue.message}; got ${got}`,
    };
  });
  return { ok: false, issues };
}

/**
 * An issue for every key of `input` that is not a declared option, with the closest known name.
 *
 * @example
 * unknownOptionIssues({ windowSecond: 60 }, ['windowSeconds']);
 * // [{ path: ['windowSecond'], message: 'is not an option; did you mean windowSeconds?' }]
 */
export function unknownOptionIssues(input: object, known: readonly string[]): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  for (const key of Object.keys(input)) {
    if (known.includes(key)) continue;
    const near = closestName(key, known);
    issues.push({
      path: [key],
      message: near === null ? 'is not an option' : `is not an option; did you mean ${near}?`,
    });
  }
  return issues;
}

/** What a declaration says, for documentation and for the checks that compare it with the SAM template. */
export interface OptionFacts {
  readonly default?: unknown;
  readonly optional: boolean;
  readonly minimum?: number;
  readonly maximum?: number;
  /** The allowed words of an enumeration, or literals of a union of literals. */
  readonly values?: readonly (string | number | boolean)[];
}

interface Inspectable {
  _zod: {
    def: {
      type: string;
      innerType?: Inspectable;
      defaultValue?: unknown;
      entries?: Record<string, string | number>;
      options?: readonly Inspectable[];
      values?: readonly unknown[];
    };
    bag: { minimum?: number; maximum?: number };
  };
}

/**
 * Reads a declaration's default, range and allowed values.
 *
 * @example
 * optionFacts(AGGREGATOR_OPTIONS.windowSeconds); // { default: 60, optional: true, minimum: 1, maximum: 86400 }
 */
export function optionFacts(schema: OptionSchema): OptionFacts {
  let s = schema as unknown as Inspectable;
  let facts: { -readonly [K in keyof OptionFacts]: OptionFacts[K] } = { optional: false };
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'default') facts = { ...facts, default: def.defaultValue, optional: true };
    else if (def.type === 'optional') facts.optional = true;
    else break;
    s = def.innerType!;
  }
  const { def, bag } = s._zod;
  if (bag.minimum !== undefined) facts.minimum = bag.minimum;
  if (bag.maximum !== undefined) facts.maximum = bag.maximum;
  if (def.type === 'enum' && def.entries !== undefined) facts.values = Object.values(def.entries);
  if (def.type === 'union' && def.options?.every((o) => o._zod.def.type === 'literal')) {
    facts.values = def.options.flatMap((o) => (o._zod.def.values ?? []) as (string | number | boolean)[]);
  }
  return facts;
}

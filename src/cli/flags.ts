/**
 * Command-line flags composed from the rooms' option declarations: each flag names the option it
 * sets, its text is read as that option's input, and the declaration checks it. Every mistake of
 * a command line is reported at once, named by flag (`--window: must be ...`).
 */
import type * as z from 'zod/mini';
import type { ConfigIssue } from '../model/errors.js';
import { checkOptions } from '../model/options.js';
import { UsageError } from './errors.js';

/** A flag that sets an option: its name without dashes, and how its text is read. */
export interface FlagSpec {
  readonly flag: string;
  readonly read: 'number' | 'text';
}

/**
 * Reads the flags' text into the options they set, checks them against `schema`, and returns the
 * options (defaults applied). Throws `UsageError` with every issue, named by flag.
 *
 * @example
 * optionsFromFlags(z.object({ windowSeconds: AGGREGATOR_OPTIONS.windowSeconds }), { window: '300' }, { windowSeconds: { flag: 'window', read: 'number' } });
 */
export function optionsFromFlags<T>(
  schema: z.ZodMiniType<T>,
  values: Readonly<Record<string, unknown>>,
  flags: Readonly<Record<string, FlagSpec>>,
): T {
  const input: Record<string, unknown> = {};
  for (const [option, spec] of Object.entries(flags)) {
    const text = values[spec.flag];
    if (typeof text !== 'string') continue;
    // Text that is not a number stays text: the declaration shows it back ("got "abc"").
    input[option] =
      spec.read === 'number' && text.trim() !== '' && !Number.isNaN(Number(text)) ? Number(text) : text;
  }
  const checked = checkOptions(schema, input);
  if (checked.ok) return checked.value;
  const named = checked.issues.map((issue): ConfigIssue => {
    const spec = flags[String(issue.path[0])];
    return spec === undefined ? issue : { ...issue, name: `--${spec.flag}` };
  });
  throw new UsageError(named);
}

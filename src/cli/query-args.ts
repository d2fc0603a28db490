/**
 * The command line of `cfrt query`, validated once into `QueryOptions`: every mistake is a
 * `UsageError` that says what to change.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { DIMENSION_NAMES, type DimensionName } from '../aggregate/index.js';
import { wholeNumber } from '../model/options.js';
import { parseTime, TIME_FORMS } from '../report/time-arg.js';
import { DYNAMODB_SINK_OPTIONS } from '../sinks/options.js';
import type { ReportFormat } from './analyze.js';
import { DEFAULT_TOP, dimensionsFromArgs } from './analyze-args.js';
import { UsageError } from './errors.js';
import { type FlagSpec, optionsFromFlags } from './flags.js';

/** The widest row a query makes: a year and a day (a multiple of the stored window, checked when read). */
export const MAX_QUERY_WINDOW_SECONDS = 366 * 86_400;

/** Items a query reads at most unless `--max-items` says otherwise (about 25 KB each at most). */
export const DEFAULT_QUERY_MAX_ITEMS = 1_000_000;

export const QUERY_HELP = `cfrt query --table <name> --from <time> [--to <time>] [options]
    The report of cfrt analyze, from the windows the Lambda stored in DynamoDB: reads the
    cells of the range with paginated Query calls (dynamodb:Query is all it needs), merges
    every shard's and batch's items, re-windows them and prints the same table, HTML or JSON.
    Distinct clients, top-N lists and quantiles merge across windows, which CloudWatch's
    statistics cannot.

    --table <name>             the window table (the stack's WindowTableName output)
    --from <time>, --to <time> the range of window starts; ${TIME_FORMS}
                               (--to defaults to now)
    --window <seconds>         rows of this size: a multiple of the stored window (default:
                               the stored window), e.g. 300 or 3600
    --dimension <set>          a breakdown the Lambda stores, e.g. country or host,statusClass
                               (repeatable; CFRT_DIMENSIONS lists them); one of
                               ${DIMENSION_NAMES.join(', ')}
    --format table|html|json   as cfrt analyze (json: { records, malformed, totals, windows })
    -o, --out <path>           write the report to a file instead of stdout
    --top <n>                  entries per top-N list (default ${DEFAULT_TOP})
    --region <region>          AWS region (default: the SDK's, e.g. AWS_REGION)
    --endpoint <url>           another DynamoDB endpoint (DynamoDB Local, dynalite)
    --consistent-read          strongly consistent reads (twice the read units)
    --max-items <n>            stop rather than read more items (default ${DEFAULT_QUERY_MAX_ITEMS})
    --no-progress              no progress line on a terminal
    --stats                    print items read, Query calls and read units to stderr as JSON
    Needs @aws-sdk/client-dynamodb (npm install @aws-sdk/client-dynamodb) and credentials
    that may call dynamodb:Query on the table.
`;

/** Everything `cfrt query` was asked to do. */
export interface QueryOptions {
  table: string;
  region: string | undefined;
  endpoint: string | undefined;
  /** Epoch ms, window starts from. */
  from: number;
  /** Epoch ms, window starts before. */
  to: number;
  /** Output window in seconds; undefined: the stored window. */
  windowSeconds: number | undefined;
  /** Dimension sets for the breakdown (the stream-wide view is always read). */
  dimensions: DimensionName[][];
  format: ReportFormat;
  out: string | undefined;
  top: number;
  consistentRead: boolean;
  maxItems: number;
  progress: boolean;
  stats: boolean;
}

/** The options query's flags set: the table's declaration, and the query's own. */
const QUERY_OPTIONS = z.object({
  table: DYNAMODB_SINK_OPTIONS.tableName,
  windowSeconds: z.optional(
    wholeNumber(
      1,
      MAX_QUERY_WINDOW_SECONDS,
      `must be a whole number of seconds from 1 to ${MAX_QUERY_WINDOW_SECONDS}`,
    ),
  ),
  format: z._default(z.enum(['table', 'html', 'json'], { error: 'must be table, html or json' }), 'table'),
  top: z._default(wholeNumber(1, 1000), DEFAULT_TOP),
  maxItems: z._default(wholeNumber(1, Number.MAX_SAFE_INTEGER), DEFAULT_QUERY_MAX_ITEMS),
});

const QUERY_FLAGS: Readonly<Record<string, FlagSpec>> = {
  table: { flag: 'table', read: 'text' },
  windowSeconds: { flag: 'window', read: 'number' },
  format: { flag: 'format', read: 'text' },
  top: { flag: 'top', read: 'number' },
  maxItems: { flag: 'max-items', read: 'number' },
};

function time(name: string, text: string, now: number): number {
  const ms = parseTime(text, now);
  if (ms === null) throw new UsageError(`--${name} must be ${TIME_FORMS}; got "${text}".`);
  return ms;
}

/**
 * `--from -6h` as `--from=-6h`: node's parseArgs takes a value that starts with `-` for an option
 * and refuses it as ambiguous, yet relative times are written that way.
 */
function joinRelativeTimes(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = args[i + 1];
    if ((arg === '--from' || arg === '--to') && next !== undefined && /^-\d/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

/**
 * Parses `cfrt query`'s arguments; relative times count back from `now`.
 *
 * @example
 * parseQueryArgs(['--table', 'cf-windows', '--from', '-6h', '--window', '3600']);
 */
export function parseQueryArgs(args: readonly string[], now: number = Date.now()): QueryOptions {
  const { values, positionals } = parseArgs({
    args: joinRelativeTimes(args),
    allowPositionals: true,
    options: {
      table: { type: 'string' },
      region: { type: 'string' },
      endpoint: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      window: { type: 'string' },
      dimension: { type: 'string', multiple: true },
      format: { type: 'string' },
      out: { type: 'string', short: 'o' },
      top: { type: 'string' },
      'consistent-read': { type: 'boolean', default: false },
      'max-items': { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      stats: { type: 'boolean', default: false },
    },
  });
  if (positionals.length > 0) {
    throw new UsageError(`cfrt query reads a table, not files: unexpected "${positionals[0]}".`);
  }
  if (values.table === undefined) throw new UsageError('cfrt query needs --table <name>.');
  if (values.from === undefined) {
    throw new UsageError('cfrt query needs --from <time> (e.g. --from -6h, --from 2025-03-01T12:00Z).');
  }
  const from = time('from', values.from, now);
  const to = values.to === undefined ? now : time('to', values.to, now);
  if (from >= to) {
    throw new UsageError(
      `--from must be before --to; got ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}.`,
    );
  }
  if (values.endpoint !== undefined && !/^https?:\/\/./.test(values.endpoint)) {
    throw new UsageError(`--endpoint must be an http(s) URL; got "${values.endpoint}".`);
  }
  const o = optionsFromFlags(QUERY_OPTIONS, values, QUERY_FLAGS);
  return {
    table: o.table,
    region: values.region,
    endpoint: values.endpoint,
    from,
    to,
    windowSeconds: o.windowSeconds,
    dimensions: dimensionsFromArgs(values.dimension),
    format: o.format,
    out: values.out,
    top: o.top,
    consistentRead: values['consistent-read'] === true,
    maxItems: o.maxItems,
    progress: values['no-progress'] !== true,
    stats: values.stats === true,
  };
}

/**
 * The command line of `cfrt query`, validated once into `QueryOptions`: every mistake is a
 * `UsageError` that says what to change.
 */
import { parseArgs } from 'node:util';
import { DIMENSION_NAMES, type DimensionName } from '../aggregate/index.js';
import type { ReportFormat } from './analyze.js';
import { DEFAULT_TOP, dimensionsFromArgs } from './analyze-args.js';
import { UsageError } from './errors.js';
import { parseTime, TIME_FORMS } from './time-arg.js';

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

function int(name: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; got "${text}".`);
  }
  return n;
}

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
  const format = values.format ?? 'table';
  if (format !== 'table' && format !== 'html' && format !== 'json') {
    throw new UsageError(`--format must be one of table, html, json; got "${format}".`);
  }
  return {
    table: values.table,
    region: values.region,
    endpoint: values.endpoint,
    from,
    to,
    windowSeconds:
      values.window === undefined ? undefined : int('window', values.window, 1, 366 * 86_400, 60),
    dimensions: dimensionsFromArgs(values.dimension),
    format,
    out: values.out,
    top: int('top', values.top, 1, 1000, DEFAULT_TOP),
    consistentRead: values['consistent-read'] === true,
    maxItems: int('max-items', values['max-items'], 1, Number.MAX_SAFE_INTEGER, DEFAULT_QUERY_MAX_ITEMS),
    progress: values['no-progress'] !== true,
    stats: values.stats === true,
  };
}

/**
 * The command line of `cfrt analyze`, validated once into `AnalyzeOptions`: every mistake is a
 * `UsageError` that says what to change.
 */
import { parseArgs } from 'node:util';
import { DIMENSION_NAMES, type DimensionName, parseDimensionSets } from '../aggregate/index.js';
import type { AnalyzeOptions, ReportFormat } from './analyze.js';
import { UsageError } from './errors.js';
import { fieldListFromArgs, fieldListOf } from './field-list.js';
import { resolveInputs } from './glob.js';
import { loadSample } from './sample.js';

/** Default entries per top-N list in the report. */
export const DEFAULT_TOP = 10;
/** The library's default: open windows (and memory) stay few; `--allowed-lateness` for files read out of order. */
export const DEFAULT_ANALYZE_LATENESS_SECONDS = 300;
/** Space-Saving counters per list per window (the library's default). */
export const DEFAULT_ANALYZE_TOP_K = 100;

export const ANALYZE_HELP = `cfrt analyze [--fields <list>] [options] [FILE|GLOB|- ...]
    A report of real-time logs: totals, a per-window timeline (requests, bandwidth, status
    classes, error rates, cache hit ratio, latency p50/p90/p99, distinct clients) and top-N
    paths, miss paths, error paths, clients, countries, edge locations, user agents and bots.
    Files may be gzip (detected); globs are expanded ('logs/**/*.gz'); no file reads stdin.
    With no --fields and no file it analyzes the bundled sample.

    --format table|html|json   table (default): terminal tables with sparklines;
                               html: one self-contained file (use --out);
                               json: { records, malformed, totals, windows }
    -o, --out <path>           write the report to a file instead of stdout
    --window <seconds>         tumbling window size (default 60)
    --allowed-lateness <s>     how far out of order records may come (default ${DEFAULT_ANALYZE_LATENESS_SECONDS})
    --sampling-rate <1-100>    the real-time log config's sampling rate: counts are scaled
    --dimension <set>          a breakdown, e.g. country or host,statusClass (repeatable); one of
                               ${DIMENSION_NAMES.join(', ')}
    --top <n>                  entries per top-N list (default ${DEFAULT_TOP})
    --top-k <n>                Space-Saving counters per list per window, 100-1000 (default ${DEFAULT_ANALYZE_TOP_K})
    --client-ip truncate|hash|keep   how client addresses are shown (default truncate: /24, /48)
    --hmac-key <key>           key for --client-ip hash (or CFRT_HMAC_KEY)
    --geo none|country|city    geography (default country; city needs geoip-lite)
    --no-user-agent            skip user-agent parsing
    --previous-fields <list>   the list before a config change: lines of both are read (it
                               needs another number of fields than --fields)
    --delivery-order           the field list is the column order (GetRealtimeLogConfig's Fields)
    --no-progress              no progress line on a terminal
    --stats                    print records/s and peak memory to stderr as JSON
    --strict                   exit 1 when a line is malformed (the report is still written)
`;

function int(name: string, text: string | undefined, min: number, max: number, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be a whole number from ${min} to ${max}; got "${text}".`);
  }
  return n;
}

function oneOf<T extends string>(
  name: string,
  text: string | undefined,
  allowed: readonly T[],
  fallback: T,
): T {
  if (text === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(text)) {
    throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${text}".`);
  }
  return text as T;
}

/**
 * Parses `cfrt analyze`'s arguments.
 *
 * @example
 * parseAnalyzeArgs(['--fields', 'timestamp,sc-status', '--format', 'json', 'logs.gz']);
 */
export function parseAnalyzeArgs(args: readonly string[]): AnalyzeOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      fields: { type: 'string' },
      'fields-file': { type: 'string' },
      'previous-fields': { type: 'string' },
      'delivery-order': { type: 'boolean', default: false },
      format: { type: 'string' },
      out: { type: 'string', short: 'o' },
      window: { type: 'string' },
      'allowed-lateness': { type: 'string' },
      'sampling-rate': { type: 'string' },
      dimension: { type: 'string', multiple: true },
      top: { type: 'string' },
      'top-k': { type: 'string' },
      'client-ip': { type: 'string' },
      'hmac-key': { type: 'string' },
      geo: { type: 'string' },
      'no-user-agent': { type: 'boolean', default: false },
      'no-progress': { type: 'boolean', default: false },
      stats: { type: 'boolean', default: false },
      strict: { type: 'boolean', default: false },
    },
  });
  let fields = fieldListFromArgs(values);
  let inputs: string[];
  if (fields === undefined) {
    if (positionals.length > 0) {
      throw new UsageError(
        'cfrt analyze needs --fields <list> (or --fields-file <path>) to read these files.',
      );
    }
    const sample = loadSample();
    fields = sample.fields;
    inputs = sample.files;
  } else {
    inputs = resolveInputs(positionals);
  }
  if (fields.length === 0) throw new UsageError('--fields is empty.');

  const format = oneOf<ReportFormat>('format', values.format, ['table', 'html', 'json'], 'table');
  const dimensions = dimensionsFromArgs(values.dimension);
  const samplingText = values['sampling-rate'];
  const samplingRate = samplingText === undefined ? 100 : Number(samplingText);
  if (!(samplingRate >= 1 && samplingRate <= 100)) {
    throw new UsageError(
      `--sampling-rate must be from 1 to 100 (the config's sampling rate); got "${samplingText}".`,
    );
  }
  const hmacKey = values['hmac-key'] ?? process.env.CFRT_HMAC_KEY;
  const top = int('top', values.top, 1, 1000, DEFAULT_TOP);
  return {
    fields,
    previousFields:
      values['previous-fields'] === undefined
        ? []
        : fieldListOf(values['previous-fields'], '--previous-fields'),
    order: values['delivery-order'] === true ? 'delivery' : 'canonical',
    inputs,
    format,
    out: values.out,
    windowSeconds: int('window', values.window, 1, 86_400, 60),
    allowedLatenessSeconds: int(
      'allowed-lateness',
      values['allowed-lateness'],
      0,
      365 * 86_400,
      DEFAULT_ANALYZE_LATENESS_SECONDS,
    ),
    samplingRate,
    dimensions,
    top,
    // Top-N lists cannot show more entries than they count.
    topK: Math.max(int('top-k', values['top-k'], 100, 1000, DEFAULT_ANALYZE_TOP_K), top),
    privacy: {
      clientIp: oneOf('client-ip', values['client-ip'], ['truncate', 'hash', 'keep'] as const, 'truncate'),
      hmacKey,
      geo: oneOf('geo', values.geo, ['none', 'country', 'city'] as const, 'country'),
      userAgent: values['no-user-agent'] !== true,
    },
    progress: values['no-progress'] !== true,
    stats: values.stats === true,
    strict: values.strict === true,
  };
}

/**
 * The `--dimension` values (repeatable, each a `;`-separated list of `,`-separated sets) as
 * dimension sets, every name checked; the stream-wide set is implied, so empty sets are dropped.
 *
 * @example
 * dimensionsFromArgs(['country', 'host,statusClass']); // [['country'], ['host', 'statusClass']]
 */
export function dimensionsFromArgs(texts: readonly string[] | undefined): DimensionName[][] {
  const dimensions: DimensionName[][] = [];
  for (const text of texts ?? []) {
    for (const set of parseDimensionSets(text)) {
      for (const name of set) {
        if (!(DIMENSION_NAMES as readonly string[]).includes(name)) {
          throw new UsageError(`Unknown dimension "${name}"; use one of ${DIMENSION_NAMES.join(', ')}.`);
        }
      }
      if (set.length > 0) dimensions.push(set);
    }
  }
  return dimensions;
}

/**
 * The command line of `cfrt analyze`, validated once into `AnalyzeOptions`: every mistake is a
 * `UsageError` that says what to change.
 */
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { DIMENSION_NAMES, type DimensionName, parseDimensionSets } from '../aggregate/index.js';
import { AGGREGATOR_OPTIONS, DEFAULT_ALLOWED_LATENESS_SECONDS, DEFAULT_TOP_K } from '../aggregate/options.js';
import { DETECT_OPTIONS } from '../detect/options.js';
import { ENRICHER_OPTIONS } from '../enrich/options.js';
import { wholeNumber } from '../model/options.js';
import type { AnalyzeOptions, ReportFormat } from './analyze.js';
import { MAX_AUTO_THREADS, MAX_THREADS } from './analyze-pool.js';
import { UsageError } from './errors.js';
import { fieldListFromArgs, fieldListOf } from './field-list.js';
import { RANGE_BYTES } from './file-chunks.js';
import { type FlagSpec, optionsFromFlags } from './flags.js';
import { resolveInputs } from './glob.js';
import { loadSample } from './sample.js';

/** Default entries per top-N list in the report. */
export const DEFAULT_TOP = 10;
/** The library's default: open windows (and memory) stay few; `--allowed-lateness` for files read out of order. */
export const DEFAULT_ANALYZE_LATENESS_SECONDS = DEFAULT_ALLOWED_LATENESS_SECONDS;
/** Space-Saving counters per list per window (the library's default). */
export const DEFAULT_ANALYZE_TOP_K = DEFAULT_TOP_K;

/** Smallest `--range-bytes`: tests cut small files; a range holds at least one line whatever its size. */
export const MIN_RANGE_BYTES = 1;
/** Largest `--range-bytes` (1 TiB): past it, no file is cut. */
export const MAX_RANGE_BYTES = 2 ** 40;

/** Earlier windows a window is judged against with `--findings` (the detector Lambda's default). */
export const DEFAULT_BASELINE_WINDOWS = 30;

/** The options analyze's flags set: the rooms' declarations, and the report's own `--top`. */
const ANALYZE_OPTIONS = z.object({
  windowSeconds: AGGREGATOR_OPTIONS.windowSeconds,
  allowedLatenessSeconds: AGGREGATOR_OPTIONS.allowedLatenessSeconds,
  samplingRate: AGGREGATOR_OPTIONS.samplingRate,
  topK: AGGREGATOR_OPTIONS.topK,
  clientIp: ENRICHER_OPTIONS.clientIp,
  geo: ENRICHER_OPTIONS.geo,
  top: z._default(wholeNumber(1, 1000), DEFAULT_TOP),
  format: z._default(z.enum(['table', 'html', 'json'], { error: 'must be table, html or json' }), 'table'),
  clientRequestsPerMinute: DETECT_OPTIONS.clientRequestsPerMinute,
  asnRequestsPerMinute: DETECT_OPTIONS.asnRequestsPerMinute,
  pathRequestsPerMinute: DETECT_OPTIONS.pathRequestsPerMinute,
  errorRate: DETECT_OPTIONS.errorRate,
  minRequests: DETECT_OPTIONS.minRequests,
  jumpFactor: DETECT_OPTIONS.jumpFactor,
  baselineWindows: z._default(wholeNumber(1, 1_440), DEFAULT_BASELINE_WINDOWS),
  threads: z._default(
    z.union([z.literal('auto'), wholeNumber(1, MAX_THREADS)], {
      error: `must be auto or a whole number from 1 to ${MAX_THREADS}`,
    }),
    'auto',
  ),
  rangeBytes: z._default(wholeNumber(MIN_RANGE_BYTES, MAX_RANGE_BYTES), RANGE_BYTES),
});

const ANALYZE_FLAGS: Readonly<Record<string, FlagSpec>> = {
  windowSeconds: { flag: 'window', read: 'number' },
  allowedLatenessSeconds: { flag: 'allowed-lateness', read: 'number' },
  samplingRate: { flag: 'sampling-rate', read: 'number' },
  topK: { flag: 'top-k', read: 'number' },
  clientIp: { flag: 'client-ip', read: 'text' },
  geo: { flag: 'geo', read: 'text' },
  top: { flag: 'top', read: 'number' },
  format: { flag: 'format', read: 'text' },
  clientRequestsPerMinute: { flag: 'client-rpm', read: 'number' },
  asnRequestsPerMinute: { flag: 'asn-rpm', read: 'number' },
  pathRequestsPerMinute: { flag: 'path-rpm', read: 'number' },
  errorRate: { flag: 'error-rate', read: 'number' },
  minRequests: { flag: 'min-requests', read: 'number' },
  jumpFactor: { flag: 'jump-factor', read: 'number' },
  baselineWindows: { flag: 'baseline-windows', read: 'number' },
  threads: { flag: 'threads', read: 'number' },
  rangeBytes: { flag: 'range-bytes', read: 'number' },
};

/** Flags that tune the detector: meaningless without `--findings`. */
const DETECT_FLAGS = [
  'client-rpm',
  'asn-rpm',
  'path-rpm',
  'error-rate',
  'min-requests',
  'jump-factor',
  'baseline-windows',
];

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
    --threads auto|<n>         worker threads for large files (default auto: one per core, up
                               to ${MAX_AUTO_THREADS}); a regular, uncompressed file over --range-bytes is
                               cut into ranges at line starts, read in parallel and merged in
                               file order, so the report is the same for every --threads;
                               gzip, stdin and smaller files are never cut
    --range-bytes <n>          bytes per range (default ${RANGE_BYTES}, 64 MiB); top-N entries
                               past the --top-k-th may move with it, every other figure is exact
    --stats                    print records/s and peak memory to stderr as JSON
    --strict                   exit 1 when a line is malformed (the report is still written)
    --findings                 run the findings detector over the windows (docs/findings.md):
                               floods, error bursts, new bots, spoofed crawlers; add
                               --dimension behavior to judge each cache behavior too
      --client-rpm <n>         a client (/24, /48) at this many requests a minute floods (1200)
      --asn-rpm <n>, --path-rpm <n>   the same for an ASN, a path (default 0: off)
      --error-rate <share>     a client, ASN or path this much in error is reported (0.5)
      --min-requests <n>       fewest requests behind any rate or burst (100)
      --jump-factor <x>        a jump is this many times the baseline median (4)
      --baseline-windows <n>   earlier windows a window is judged against (${DEFAULT_BASELINE_WINDOWS})
`;

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
      findings: { type: 'boolean', default: false },
      'client-rpm': { type: 'string' },
      'asn-rpm': { type: 'string' },
      'path-rpm': { type: 'string' },
      'error-rate': { type: 'string' },
      'min-requests': { type: 'string' },
      'jump-factor': { type: 'string' },
      'baseline-windows': { type: 'string' },
      threads: { type: 'string' },
      'range-bytes': { type: 'string' },
    },
  });
  const findings = values.findings === true;
  const stray = DETECT_FLAGS.find((f) => (values as Record<string, unknown>)[f] !== undefined);
  if (!findings && stray !== undefined) {
    throw new UsageError(`--${stray} tunes the findings detector: add --findings.`);
  }
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

  const dimensions = dimensionsFromArgs(values.dimension);
  const o = optionsFromFlags(ANALYZE_OPTIONS, values, ANALYZE_FLAGS);
  const hmacKey = values['hmac-key'] ?? process.env.CFRT_HMAC_KEY;
  const format: ReportFormat = o.format;
  const top = o.top;
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
    windowSeconds: o.windowSeconds,
    allowedLatenessSeconds: o.allowedLatenessSeconds,
    samplingRate: o.samplingRate,
    dimensions,
    top,
    // Top-N lists cannot show more entries than they count.
    topK: Math.max(o.topK, top),
    privacy: {
      clientIp: o.clientIp,
      hmacKey,
      geo: o.geo,
      userAgent: values['no-user-agent'] !== true,
    },
    progress: values['no-progress'] !== true,
    stats: values.stats === true,
    strict: values.strict === true,
    threads: o.threads,
    rangeBytes: o.rangeBytes,
    findings: findings
      ? {
          clientRequestsPerMinute: o.clientRequestsPerMinute,
          asnRequestsPerMinute: o.asnRequestsPerMinute,
          pathRequestsPerMinute: o.pathRequestsPerMinute,
          errorRate: o.errorRate,
          minRequests: o.minRequests,
          jumpFactor: o.jumpFactor,
          baselineWindows: o.baselineWindows,
        }
      : undefined,
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

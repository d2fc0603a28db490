/**
 * `cfrt status`: the operator's one screen for a deployed stack. Which distributions and
 * behaviors log to the stack's real-time log config, its fields and sampling rate, whether the
 * processor parses those fields; the raw stream's incoming records and throttled writes; the
 * function's errors, iterator age and dropped batches; the newest window stored in DynamoDB and
 * how far behind now it is; malformed and late lines; and the lines counted against CloudFront's
 * own `Requests` for the same minutes. Exit status 1 when data does not flow, so it can gate a
 * deploy.
 */
import { parseArgs } from 'node:util';
import type {
  CloudWatchClient,
  GetMetricDataCommandOutput,
  MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { HANDLER_ENV } from '../handler/config.js';
import { optionFacts, wholeNumber } from '../model/options.js';
import { seriesKey, startText } from '../sinks/dynamodb-keys.js';
import { METRIC_SINK_OPTIONS } from '../sinks/options.js';
import type { CommandIo } from './attach.js';
import {
  type DeployClients,
  describeStack,
  distributionsUsing,
  eventSourceMappings,
  explain,
  type FieldVerdict,
  fieldVerdict,
  functionFacts,
  realtimeLogConfig,
  requireOutput,
  type Sender,
  streamArnOf,
} from './deploy-aws.js';
import { UsageError } from './errors.js';
import { type FlagSpec, optionsFromFlags } from './flags.js';

/** The stack `docs/deploy.md` deploys (`sam deploy --stack-name cfrt`). */
export const DEFAULT_STACK = 'cfrt';
/** Minutes of metrics read unless `--minutes` says otherwise. */
export const DEFAULT_STATUS_MINUTES = 15;
/** How far behind now the newest stored window may end, unless `--max-lag` says otherwise. */
export const DEFAULT_MAX_LAG_SECONDS = 600;
/**
 * The newest minutes are left out of the completeness figure: CloudFront's own metrics and the
 * event-time windows of the last minutes are still filling in.
 */
export const SETTLE_MINUTES = 3;
/** Completeness outside this band is worth a warning (sampling and minute edges aside). */
export const COMPLETENESS_BAND = [0.95, 1.05] as const;
/** Iterator age warned about when the stack has no `IteratorAgeThresholdMs` parameter. */
const DEFAULT_ITERATOR_AGE_MS = 60_000;
/** GetMetricData takes at most 500 queries per call. */
const MAX_METRIC_QUERIES = 500;

export const STATUS_HELP = `cfrt status [--stack <name>] [options]
    Does data flow end to end? One screen: the distributions and behaviors that log to the
    stack's real-time log config, its fields and sampling rate (and whether the processor
    parses them), the raw stream's incoming records and throttled writes, the function's
    errors, iterator age and dropped batches, the newest window in DynamoDB and its lag,
    malformed and late lines, and the requests counted against CloudFront's own Requests
    metric for the same minutes (completeness).
    Exit status: 0 data flows, 1 it does not (or, with --strict, a warning), 2 a mistake.

    --stack <name>             the SAM app's stack (default ${DEFAULT_STACK})
    --minutes <n>              minutes of metrics to read (default ${DEFAULT_STATUS_MINUTES})
    --max-lag <seconds>        the newest window may end at most this long ago (default ${DEFAULT_MAX_LAG_SECONDS})
    --strict                   warnings (errors, throttling, dropped batches, malformed lines,
                               incomplete counts) fail too
    --format table|json        the screen, or the same facts as JSON
    --region <region>          the stack's region (default: the SDK's, e.g. AWS_REGION)
    Needs @aws-sdk/client-cloudformation, -cloudfront, -lambda, -cloudwatch and -dynamodb,
    and read access: DescribeStacks, GetRealtimeLogConfig, ListDistributionsByRealtimeLogConfig,
    GetFunctionConfiguration, ListEventSourceMappings, GetMetricData, dynamodb:Query.
`;

/** What `cfrt status` was asked to do. */
export interface StatusOptions {
  readonly stack: string;
  readonly minutes: number;
  readonly maxLagSeconds: number;
  readonly strict: boolean;
  readonly format: 'table' | 'json';
  readonly region: string | undefined;
}

const STATUS_OPTIONS = z.object({
  stack: z._default(
    z
      .string()
      .check(
        z.regex(
          /^[A-Za-z][A-Za-z0-9-]{0,127}$/,
          'must be a stack name: a letter, then letters, digits and hyphens (at most 128)',
        ),
      ),
    DEFAULT_STACK,
  ),
  minutes: z._default(wholeNumber(5, 1_440), DEFAULT_STATUS_MINUTES),
  maxLagSeconds: z._default(wholeNumber(60, 86_400), DEFAULT_MAX_LAG_SECONDS),
  format: z._default(z.enum(['table', 'json'], { error: 'must be table or json' }), 'table'),
});

const STATUS_FLAGS: Readonly<Record<string, FlagSpec>> = {
  stack: { flag: 'stack', read: 'text' },
  minutes: { flag: 'minutes', read: 'number' },
  maxLagSeconds: { flag: 'max-lag', read: 'number' },
  format: { flag: 'format', read: 'text' },
};

/**
 * Parses `cfrt status` arguments; every mistake at once, named by flag.
 *
 * @example
 * parseStatusArgs(['--stack', 'cfrt-prod', '--minutes', '30']);
 */
export function parseStatusArgs(args: readonly string[]): StatusOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      stack: { type: 'string' },
      minutes: { type: 'string' },
      'max-lag': { type: 'string' },
      strict: { type: 'boolean', default: false },
      format: { type: 'string' },
      region: { type: 'string' },
    },
  });
  if (positionals.length > 0) {
    throw new UsageError(`cfrt status reads a stack, not files: unexpected "${positionals[0]}".`);
  }
  const checked = optionsFromFlags(STATUS_OPTIONS, values, STATUS_FLAGS);
  return { ...checked, strict: values.strict === true, region: values.region };
}

/** A distribution that logs to the config, and which of its behaviors do. */
export interface DistributionStatus {
  readonly id: string;
  readonly domainName: string;
  readonly status: string;
  /** Path patterns of the behaviors that log to the config (`*`: the default behavior). */
  readonly behaviors: readonly string[];
  /** Behaviors that do not (they are not counted). */
  readonly otherBehaviors: readonly string[];
}

/** Everything `cfrt status` found, as `--format json` prints it. */
export interface StatusReport {
  readonly stack: { readonly name: string; readonly status: string };
  /** The minutes read: ISO times, end exclusive. */
  readonly range: { readonly from: string; readonly to: string };
  readonly config: {
    readonly arn: string;
    readonly name: string;
    readonly samplingRate: number;
    readonly fields: readonly string[];
    readonly stream: string | null;
  };
  readonly fieldCheck: FieldVerdict;
  readonly distributions: readonly DistributionStatus[];
  readonly function: { readonly name: string; readonly mappings: readonly string[] };
  readonly stream: {
    readonly name: string;
    readonly incomingRecords: number;
    readonly throttledWrites: number;
  };
  readonly processor: {
    readonly invocations: number;
    readonly errors: number;
    readonly iteratorAgeMs: number | null;
    readonly droppedBatches: number;
  };
  readonly lines: { readonly requests: number; readonly malformed: number; readonly late: number };
  readonly newestWindow: {
    readonly table: string;
    readonly start: string | null;
    readonly end: string | null;
    readonly lagSeconds: number | null;
  };
  /**
   * Over the range less its last `SETTLE_MINUTES`: CloudFront's `Requests` for the distributions,
   * the requests the processor counted (scaled by 100 / sampling rate, as published), the lines
   * the stream received scaled the same way, and counted / CloudFront.
   */
  readonly completeness: {
    readonly from: string;
    readonly to: string;
    readonly cloudfrontRequests: number;
    readonly countedRequests: number;
    readonly streamLinesScaled: number;
    readonly ratio: number | null;
  };
  /** Why data does not flow; empty when it does. */
  readonly problems: readonly string[];
  /** What is wrong though data flows. */
  readonly warnings: readonly string[];
  readonly flowing: boolean;
}

interface Series {
  readonly points: readonly { readonly t: number; readonly v: number }[];
}

type MetricSpec = {
  readonly id: string;
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly stat: 'Sum' | 'Maximum';
};

/** GetMetricData over [from, to) at one minute, every page merged by query id. */
async function readMetrics(
  client: Sender<CloudWatchClient>,
  specs: readonly MetricSpec[],
  from: number,
  to: number,
): Promise<Map<string, Series>> {
  const { GetMetricDataCommand } = await import('@aws-sdk/client-cloudwatch');
  const out = new Map<string, { t: number; v: number }[]>();
  for (let i = 0; i < specs.length; i += MAX_METRIC_QUERIES) {
    const queries: MetricDataQuery[] = specs.slice(i, i + MAX_METRIC_QUERIES).map((s) => ({
      Id: s.id,
      MetricStat: {
        Metric: {
          Namespace: s.namespace,
          MetricName: s.name,
          Dimensions: Object.entries(s.dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: 60,
        Stat: s.stat,
      },
      ReturnData: true,
    }));
    let token: string | undefined;
    do {
      let page: GetMetricDataCommandOutput;
      try {
        page = await client.send(
          new GetMetricDataCommand({
            MetricDataQueries: queries,
            StartTime: new Date(from),
            EndTime: new Date(to),
            ScanBy: 'TimestampAscending',
            ...(token === undefined ? {} : { NextToken: token }),
          }),
        );
      } catch (err) {
        return explain('GetMetricData', err);
      }
      for (const r of page.MetricDataResults ?? []) {
        const list = out.get(r.Id ?? '') ?? [];
        (r.Timestamps ?? []).forEach((t, k) => {
          list.push({ t: t.getTime(), v: r.Values?.[k] ?? 0 });
        });
        out.set(r.Id ?? '', list);
      }
      token = page.NextToken;
    } while (token !== undefined && token !== '');
  }
  return new Map([...out].map(([id, points]) => [id, { points }]));
}

function sum(series: Series | undefined, from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY) {
  let total = 0;
  for (const p of series?.points ?? []) if (p.t >= from && p.t < to) total += p.v;
  return total;
}

function max(series: Series | undefined): number | null {
  const points = series?.points ?? [];
  return points.length === 0 ? null : Math.max(...points.map((p) => p.v));
}

/** The newest stream-wide window in the table: one Query from the newest end, one item. */
async function newestWindow(
  client: Sender<DynamoDBClient>,
  table: string,
  now: number,
): Promise<{ start: number; end: number } | null> {
  const { QueryCommand } = await import('@aws-sdk/client-dynamodb');
  try {
    const page = await client.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'pk = :pk AND sk <= :to',
        ExpressionAttributeValues: { ':pk': { S: seriesKey({}) }, ':to': { S: `${startText(now)}$` } },
        ProjectionExpression: '#s, #e',
        ExpressionAttributeNames: { '#s': 'start', '#e': 'end' },
        ScanIndexForward: false,
        Limit: 1,
      }),
    );
    const item = page.Items?.[0];
    if (item === undefined) return null;
    return { start: Number(item.start?.N), end: Number(item.end?.N) };
  } catch (err) {
    return explain(`Query ${table}`, err);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * Gathers the status of a deployed stack at `now`.
 *
 * @example
 * const report = await collectStatus(parseStatusArgs(['--stack', 'cfrt']), sdkClients('status', {}));
 * if (!report.flowing) console.log(report.problems);
 */
export async function collectStatus(
  options: StatusOptions,
  clients: DeployClients,
  now: number = Date.now(),
): Promise<StatusReport> {
  const stack = await describeStack(await clients.cloudformation(), options.stack);
  const configArn = requireOutput(stack, 'RealtimeLogConfigArn');
  const functionName = requireOutput(stack, 'FunctionName');
  const streamName = requireOutput(stack, 'RawStreamName');
  const table = requireOutput(stack, 'WindowTableName');
  const queueUrl = stack.outputs.FailedBatchQueueUrl;

  const cloudfront = await clients.cloudfront();
  const lambda = await clients.lambda();
  const [config, distributions, fn, mappings] = await Promise.all([
    realtimeLogConfig(cloudfront, configArn),
    distributionsUsing(cloudfront, configArn),
    functionFacts(lambda, functionName),
    eventSourceMappings(lambda, { functionName }),
  ]);
  const fields = config.Fields ?? [];
  const samplingRate = config.SamplingRate ?? 100;
  const fieldCheck = fieldVerdict(fields, fn.env);
  const namespace =
    fn.env[HANDLER_ENV.metricsNamespace.name] ??
    stack.parameters.MetricsNamespace ??
    String(optionFacts(METRIC_SINK_OPTIONS.namespace).default);
  const arnOfConfig = config.ARN ?? configArn;
  const distributionStatus: DistributionStatus[] = distributions.map((d) => {
    const all = [
      { pattern: '*', arn: d.DefaultCacheBehavior?.RealtimeLogConfigArn },
      ...(d.CacheBehaviors?.Items ?? []).map((b) => ({
        pattern: b.PathPattern ?? '',
        arn: b.RealtimeLogConfigArn,
      })),
    ];
    return {
      id: d.Id ?? '',
      domainName: d.DomainName ?? '',
      status: d.Status ?? '',
      behaviors: all.filter((b) => b.arn === arnOfConfig).map((b) => b.pattern),
      otherBehaviors: all.filter((b) => b.arn !== arnOfConfig).map((b) => b.pattern),
    };
  });

  const to = Math.floor(now / 60_000) * 60_000;
  const from = to - options.minutes * 60_000;
  const settled = to - SETTLE_MINUTES * 60_000;
  const queue = queueUrl?.split('/').at(-1);
  const specs: MetricSpec[] = [
    {
      id: 'incoming',
      namespace: 'AWS/Kinesis',
      name: 'IncomingRecords',
      dimensions: { StreamName: streamName },
      stat: 'Sum',
    },
    {
      id: 'throttled',
      namespace: 'AWS/Kinesis',
      name: 'WriteProvisionedThroughputExceeded',
      dimensions: { StreamName: streamName },
      stat: 'Sum',
    },
    {
      id: 'invocations',
      namespace: 'AWS/Lambda',
      name: 'Invocations',
      dimensions: { FunctionName: fn.name },
      stat: 'Sum',
    },
    {
      id: 'errors',
      namespace: 'AWS/Lambda',
      name: 'Errors',
      dimensions: { FunctionName: fn.name },
      stat: 'Sum',
    },
    {
      id: 'iteratorage',
      namespace: 'AWS/Lambda',
      name: 'IteratorAge',
      dimensions: { FunctionName: fn.name },
      stat: 'Maximum',
    },
    ...(queue === undefined
      ? []
      : [
          {
            id: 'dropped',
            namespace: 'AWS/SQS',
            name: 'NumberOfMessagesSent',
            dimensions: { QueueName: queue },
            stat: 'Sum',
          } as const,
        ]),
    { id: 'requests', namespace, name: 'Requests', dimensions: {}, stat: 'Sum' },
    { id: 'malformed', namespace, name: 'MalformedLines', dimensions: {}, stat: 'Sum' },
    { id: 'late', namespace, name: 'LateRecords', dimensions: {}, stat: 'Sum' },
  ];
  const cfSpecs: MetricSpec[] = distributionStatus.map((d, i) => ({
    id: `cf${i}`,
    namespace: 'AWS/CloudFront',
    name: 'Requests',
    dimensions: { DistributionId: d.id, Region: 'Global' },
    stat: 'Sum',
  }));
  const [metrics, cfMetrics, newest] = await Promise.all([
    readMetrics(await clients.cloudwatch(), specs, from, to),
    cfSpecs.length === 0
      ? Promise.resolve(new Map<string, Series>())
      : readMetrics(await clients.cloudwatchGlobal(), cfSpecs, from, to),
    newestWindow(await clients.dynamodb(), table, now),
  ]);

  const incoming = sum(metrics.get('incoming'));
  const requests = sum(metrics.get('requests'));
  const cloudfrontRequests = cfSpecs.reduce((n, s) => n + sum(cfMetrics.get(s.id), from, settled), 0);
  const countedRequests = sum(metrics.get('requests'), from, settled);
  const ratio = cloudfrontRequests > 0 ? countedRequests / cloudfrontRequests : null;
  const lagSeconds = newest === null ? null : Math.max(0, Math.round((now - newest.end) / 1000));
  const report = {
    stack: { name: stack.name, status: stack.status },
    range: { from: iso(from), to: iso(to) },
    config: {
      arn: arnOfConfig,
      name: config.Name ?? '',
      samplingRate,
      fields,
      stream: streamArnOf(config) ?? null,
    },
    fieldCheck,
    distributions: distributionStatus,
    function: { name: fn.name, mappings: mappings.map((m) => m.state) },
    stream: { name: streamName, incomingRecords: incoming, throttledWrites: sum(metrics.get('throttled')) },
    processor: {
      invocations: sum(metrics.get('invocations')),
      errors: sum(metrics.get('errors')),
      iteratorAgeMs: max(metrics.get('iteratorage')),
      droppedBatches: sum(metrics.get('dropped')),
    },
    lines: { requests, malformed: sum(metrics.get('malformed')), late: sum(metrics.get('late')) },
    newestWindow: {
      table,
      start: newest === null ? null : iso(newest.start),
      end: newest === null ? null : iso(newest.end),
      lagSeconds,
    },
    completeness: {
      from: iso(from),
      to: iso(settled),
      cloudfrontRequests,
      countedRequests,
      streamLinesScaled: (sum(metrics.get('incoming'), from, settled) * 100) / samplingRate,
      ratio,
    },
  };
  const { problems, warnings } = judge(report, options, stack.parameters);
  return { ...report, problems, warnings, flowing: problems.length === 0 };
}

function judge(
  r: Omit<StatusReport, 'problems' | 'warnings' | 'flowing'>,
  options: StatusOptions,
  parameters: Readonly<Record<string, string>>,
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  const minutes = `in the last ${options.minutes} minutes`;
  if (!/_COMPLETE$/.test(r.stack.status) || /ROLLBACK|DELETE/.test(r.stack.status)) {
    warnings.push(`the stack is ${r.stack.status}`);
  }
  if (r.distributions.every((d) => d.behaviors.length === 0)) {
    problems.push(
      `no distribution's behavior logs to ${r.config.arn}: cfrt attach --distribution <id> --stack ${r.stack.name}`,
    );
  }
  if (!r.fieldCheck.ok)
    problems.push(`the processor cannot parse the config's lines: ${r.fieldCheck.problem}`);
  if (r.function.mappings.length === 0)
    problems.push(`function ${r.function.name} has no event source mapping`);
  else if (!r.function.mappings.includes('Enabled')) {
    problems.push(
      `the event source mapping of ${r.function.name} is ${r.function.mappings.join(', ')}, not Enabled`,
    );
  }
  if (r.stream.incomingRecords === 0) {
    problems.push(
      `no records reached stream ${r.stream.name} ${minutes}` +
        (r.distributions.length > 0 && r.completeness.cloudfrontRequests === 0
          ? ' (CloudFront counted no requests either: is there traffic?)'
          : ''),
    );
  } else if (r.lines.requests === 0) {
    problems.push(`the stream received records but the processor counted no requests ${minutes}`);
  }
  if (r.newestWindow.lagSeconds === null) {
    problems.push(`no window is stored in ${r.newestWindow.table}`);
  } else if (r.newestWindow.lagSeconds > options.maxLagSeconds) {
    problems.push(
      `the newest window in ${r.newestWindow.table} ended ${r.newestWindow.lagSeconds} s ago (more than --max-lag ${options.maxLagSeconds} s)`,
    );
  }
  if (r.stream.throttledWrites > 0) {
    warnings.push(
      `${r.stream.throttledWrites} throttled writes to the stream ${minutes}: lines were lost (add shards)`,
    );
  }
  if (r.processor.errors > 0) warnings.push(`${r.processor.errors} function errors ${minutes}`);
  if (r.processor.droppedBatches > 0) {
    warnings.push(`${r.processor.droppedBatches} batches dropped to the failed-batch queue ${minutes}`);
  }
  const ageLimit = Number(parameters.IteratorAgeThresholdMs) || DEFAULT_ITERATOR_AGE_MS;
  if ((r.processor.iteratorAgeMs ?? 0) > ageLimit) {
    warnings.push(
      `iterator age reached ${Math.round(r.processor.iteratorAgeMs! / 1000)} s (threshold ${ageLimit / 1000} s)`,
    );
  }
  if (r.lines.malformed > 0) warnings.push(`${r.lines.malformed} malformed lines ${minutes}`);
  if (r.lines.late > 0) warnings.push(`${r.lines.late} late records ${minutes}`);
  const { ratio } = r.completeness;
  if (ratio !== null && (ratio < COMPLETENESS_BAND[0] || ratio > COMPLETENESS_BAND[1])) {
    const partial = r.distributions.some((d) => d.otherBehaviors.length > 0);
    warnings.push(
      `counted ${(ratio * 100).toFixed(1)}% of CloudFront's requests` +
        (partial ? ' (some behaviors do not log to the config, so less than 100% is expected)' : ''),
    );
  }
  return { problems, warnings };
}

function count(n: number): string {
  return Number.isInteger(n)
    ? n.toLocaleString('en-US')
    : n.toLocaleString('en-US', { maximumFractionDigits: 1 });
}

/**
 * The report as the screen `cfrt status` prints.
 *
 * @example
 * process.stdout.write(renderStatus(report));
 */
export function renderStatus(r: StatusReport): string {
  const rows: [string, string][] = [];
  const add = (k: string, v: string) => rows.push([k, v]);
  add('Stack', `${r.stack.name} (${r.stack.status})`);
  add('Minutes', `${r.range.from} .. ${r.range.to}`);
  add('Config', `${r.config.name} (${r.config.arn})`);
  add('Sampling', `${r.config.samplingRate}%`);
  add('Fields', `${r.config.fields.length}: ${r.config.fields.join(',')}`);
  add(
    'Processor parses',
    r.fieldCheck.ok ? `yes (its ${r.fieldCheck.layout} field list)` : `NO: ${r.fieldCheck.problem}`,
  );
  if (r.distributions.length === 0) add('Distributions', 'none');
  for (const d of r.distributions) {
    const logged = d.behaviors.map((p) => (p === '*' ? 'default (*)' : p)).join(', ');
    add(
      `Distribution ${d.id}`,
      `${d.domainName} ${d.status}: ${logged || 'no behavior'}${d.otherBehaviors.length > 0 ? `; not logged: ${d.otherBehaviors.map((p) => (p === '*' ? 'default (*)' : p)).join(', ')}` : ''}`,
    );
  }
  add(
    'Stream',
    `${r.stream.name}: ${count(r.stream.incomingRecords)} records in, ${count(r.stream.throttledWrites)} throttled writes`,
  );
  add(
    'Function',
    `${r.function.name} (mapping ${r.function.mappings.join(', ') || 'none'}): ${count(r.processor.invocations)} invocations, ` +
      `${count(r.processor.errors)} errors, iterator age ${r.processor.iteratorAgeMs === null ? '-' : `${count(r.processor.iteratorAgeMs)} ms`}, ` +
      `${count(r.processor.droppedBatches)} dropped batches`,
  );
  add(
    'Lines',
    `${count(r.lines.requests)} requests counted, ${count(r.lines.malformed)} malformed, ${count(r.lines.late)} late`,
  );
  add(
    'Newest window',
    r.newestWindow.end === null
      ? `none in ${r.newestWindow.table}`
      : `${r.newestWindow.start} .. ${r.newestWindow.end}, ${r.newestWindow.lagSeconds} s behind now`,
  );
  const c = r.completeness;
  add(
    'Completeness',
    `${c.ratio === null ? '-' : `${(c.ratio * 100).toFixed(1)}%`}: ${count(c.countedRequests)} counted of ${count(c.cloudfrontRequests)} CloudFront requests ` +
      `(${count(c.streamLinesScaled)} lines in the stream x 100/${r.config.samplingRate}), ${c.from} .. ${c.to}`,
  );
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
  lines.push('');
  lines.push(r.flowing ? 'Data flows.' : 'Data does NOT flow:');
  for (const p of r.problems) lines.push(`  - ${p}`);
  if (r.warnings.length > 0) lines.push('Warnings:');
  for (const w of r.warnings) lines.push(`  - ${w}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Runs `cfrt status`; resolves to the exit code (0 flowing, 1 not, or a warning with --strict).
 *
 * @example
 * process.exitCode = await runStatus(parseStatusArgs(argv), sdkClients('status', {}));
 */
export async function runStatus(
  options: StatusOptions,
  clients: DeployClients,
  io: CommandIo = { out: process.stdout, err: process.stderr },
  now: number = Date.now(),
): Promise<number> {
  const report = await collectStatus(options, clients, now);
  io.out.write(options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderStatus(report));
  if (!report.flowing) return 1;
  return options.strict && report.warnings.length > 0 ? 1 : 0;
}

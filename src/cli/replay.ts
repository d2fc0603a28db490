/**
 * `cfrt replay`: the real pipeline end to end on this machine. kinesalite and dynalite start on
 * loopback; the lines go into a Kinesis stream one record per line across shards, as CloudFront
 * writes them; an event source mapping (see `event-source.ts`) invokes the real handler per
 * shard; then what landed is read back: windows merged from DynamoDB, the EMF lines the handler
 * printed, the quarantined lines from the quarantine stream.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import * as z from 'zod/mini';
import { type DimensionName, summarize } from '../aggregate/index.js';
import { AGGREGATOR_OPTIONS } from '../aggregate/options.js';
import type { WindowSummary } from '../aggregate/types.js';
import { createHandler, type QuarantinedLine } from '../handler.js';
import { STATUS_CLASSES, type StatusClass } from '../model/classes.js';
import { wholeNumber } from '../model/options.js';
import { resolveLayouts, splitFieldList } from '../parser/layout.js';
import { formatInt, formatPercent, formatSeconds, formatTime } from '../report/figures.js';
import { type ContractWindow, contractFigures } from '../report/report.js';
import { layOutArchive } from '../sinks/archive-layout.js';
import { KINESIS_MAX_RECORDS_PER_PUT } from '../sinks/aws-limits.js';
import { createDynamoDbSink, windowTableDefinition } from '../sinks/dynamodb.js';
import { createKinesisSink } from '../sinks/kinesis.js';
import { DYNAMODB_SINK_OPTIONS } from '../sinks/options.js';
import type { Sink } from '../sinks/types.js';
import { dimensionsFromArgs } from './analyze-args.js';
import { UsageError } from './errors.js';
import { escapeControl } from './escape-control.js';
import { type EventSourceStats, MAX_BATCH_SIZE, runEventSourceMapping } from './event-source.js';
import { startFaultProxy } from './fault-proxy.js';
import { type FlagSpec, optionsFromFlags } from './flags.js';
import { resolveInputs } from './glob.js';
import { isTooLong, readLineItems } from './input.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalServer,
  startDynalite,
  startKinesalite,
} from './local-aws.js';
import { formatBytes, Progress } from './progress.js';
import { loadSample } from './sample.js';

/**
 * Lines held before they are put: a few PutRecords calls' worth, cut into calls by the sink's
 * batched writer, so memory stays flat however long the input.
 */
const PUT_BUFFER_LINES = 4 * KINESIS_MAX_RECORDS_PER_PUT;
/** Shards kinesalite is asked for at most (each is a poller here). */
export const MAX_SHARDS = 64;
/** Attempts at putting a chunk whose entries kinesalite refused. */
const MAX_PUT_ATTEMPTS = 5;
/** EMF lines shown by default (all with --emf). */
const EMF_PREVIEW = 1;
/** Quarantined lines shown. */
const QUARANTINE_PREVIEW = 5;

/** The sink's sort keys hold 15-digit window starts: the largest start a query can name. */
const LAST_WINDOW_START = 10 ** 15 - 1;
/** Characters of an EMF line shown without --emf. */
const EMF_PREVIEW_CHARS = 240;

const SOURCE_STREAM = 'cfrt-replay-source';
const QUARANTINE_STREAM = 'cfrt-replay-quarantine';
const PROCESSED_STREAM = 'cfrt-replay-processed';
const TABLE = 'cfrt-replay-windows';

/** What `cfrt replay` was asked to do. */
export interface ReplayOptions {
  fields: string[];
  /** The list before a config change, read beside `fields` by the handler (empty: none). */
  previousFields: string[];
  inputs: string[];
  shards: number;
  batchSize: number;
  windowSeconds: number;
  dimensions: DimensionName[][];
  samplingRate: number;
  format: 'table' | 'json';
  emf: boolean;
  limit: number;
  /** Share (0-1) of DynamoDB and Kinesis-quarantine calls answered with throttling or a 500. */
  faultRate: number;
  /**
   * A DynamoDB that outlives the replay (`--dynamodb-endpoint`, e.g. a dynalite or DynamoDB Local
   * server) and the table there (`--table`, created when missing), so that `cfrt query` can read
   * the replayed windows afterwards. Undefined: an in-memory dynalite for this run only.
   */
  dynamodb?: { endpoint: string; table: string } | undefined;
  /**
   * A directory to write the processed records into (`--archive`), laid out as the SAM app's
   * archive tier writes them to S3 (`records/dt=.../hour=.../*.json.gz`, src/sinks/archive-layout.ts).
   * The handler then also writes them to a processed stream, as with CreateArchive.
   */
  archive?: string | undefined;
}

/** What landed, as `--format json` prints it. */
export interface ReplayResult {
  /** Lines read from the input and put (one Kinesis record each). */
  lines: number;
  /**
   * Lines over MAX_LINE_BYTES: no Kinesis record holds one, so they are counted as malformed
   * here, by their length, and not put.
   */
  tooLong: { count: number; examples: string[] };
  shards: number;
  mapping: Omit<EventSourceStats, 'errors'> & { errors: number };
  /** Stream-wide windows read back from DynamoDB, merged over shards and batches. */
  windows: ContractWindow[];
  /** Sums over the windows: exact counts. */
  totals: {
    requests: number;
    bytesOut: number;
    bytesIn: number;
    status: Record<StatusClass, number>;
  };
  /** Invocation log lines the handlers wrote (one per invocation, retries included). */
  handlerLogs: number;
  quarantined: { count: number; examples: { reason: string; field: string | null; shardId: string }[] };
  emf: { lines: number; metrics: string[]; examples: string[] };
  faults: number;
  /** With `--archive`: what was laid out there. */
  archive?: { dir: string; records: number; objects: number; partitions: number; failed: number };
}

/** The options replay's flags set: the rooms' declarations, and replay's own. */
const REPLAY_OPTIONS = z.object({
  windowSeconds: AGGREGATOR_OPTIONS.windowSeconds,
  samplingRate: AGGREGATOR_OPTIONS.samplingRate,
  table: z.optional(DYNAMODB_SINK_OPTIONS.tableName),
  shards: z._default(wholeNumber(1, MAX_SHARDS), 2),
  batchSize: z._default(
    wholeNumber(
      1,
      MAX_BATCH_SIZE,
      `must be a whole number from 1 to ${MAX_BATCH_SIZE} (Lambda's largest Kinesis batch)`,
    ),
    100,
  ),
  limit: z._default(wholeNumber(1, Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER),
  faultRate: z._default(
    z
      .number({ error: 'must be from 0 to below 1' })
      .check(z.minimum(0, 'must be from 0 to below 1'), z.lt(1, 'must be from 0 to below 1')),
    0,
  ),
  format: z._default(z.enum(['table', 'json'], { error: 'must be table or json' }), 'table'),
});

const REPLAY_FLAGS: Readonly<Record<string, FlagSpec>> = {
  windowSeconds: { flag: 'window', read: 'number' },
  samplingRate: { flag: 'sampling-rate', read: 'number' },
  table: { flag: 'table', read: 'text' },
  shards: { flag: 'shards', read: 'number' },
  batchSize: { flag: 'batch-size', read: 'number' },
  limit: { flag: 'limit', read: 'number' },
  faultRate: { flag: 'fault-rate', read: 'number' },
  format: { flag: 'format', read: 'text' },
};

/**
 * Parses `cfrt replay`'s arguments.
 *
 * @example
 * parseReplayArgs(['--shards', '4']); // the bundled sample over 4 shards
 */
export function parseReplayArgs(args: readonly string[]): ReplayOptions {
  const { values, positionals } = parseArgs({
    args: [...args],
    allowPositionals: true,
    options: {
      fields: { type: 'string' },
      'previous-fields': { type: 'string' },
      shards: { type: 'string' },
      'batch-size': { type: 'string' },
      window: { type: 'string' },
      dimension: { type: 'string', multiple: true },
      'sampling-rate': { type: 'string' },
      format: { type: 'string' },
      emf: { type: 'boolean', default: false },
      limit: { type: 'string' },
      'fault-rate': { type: 'string' },
      'dynamodb-endpoint': { type: 'string' },
      table: { type: 'string' },
      archive: { type: 'string' },
    },
  });
  let fields: string[];
  let inputs: string[];
  if (values.fields === undefined) {
    if (positionals.length > 0)
      throw new UsageError('cfrt replay needs --fields <list> to read these files.');
    const sample = loadSample();
    fields = sample.fields;
    inputs = sample.files;
  } else {
    fields = splitFieldList(values.fields);
    inputs = resolveInputs(positionals);
  }
  const previousFields = splitFieldList(values['previous-fields'] ?? '');
  // Checked here, before any local server starts: the handler would refuse it per shard.
  if (previousFields.length > 0) resolveLayouts([fields, previousFields]);
  const dimensions = dimensionsFromArgs(values.dimension);
  const o = optionsFromFlags(REPLAY_OPTIONS, values, REPLAY_FLAGS);
  const endpoint = values['dynamodb-endpoint'];
  if ((endpoint === undefined) !== (values.table === undefined)) {
    throw new UsageError(
      '--dynamodb-endpoint and --table go together: the DynamoDB to keep the windows in, and its table.',
    );
  }
  if (endpoint !== undefined && !/^https?:\/\/./.test(endpoint)) {
    throw new UsageError(`--dynamodb-endpoint must be an http(s) URL; got "${endpoint}".`);
  }
  if (values.archive === '') throw new UsageError('--archive needs a directory to write the archive into.');
  return {
    archive: values.archive,
    dynamodb: endpoint === undefined ? undefined : { endpoint, table: o.table! },
    fields,
    previousFields,
    inputs,
    shards: o.shards,
    batchSize: o.batchSize,
    windowSeconds: o.windowSeconds,
    dimensions,
    samplingRate: o.samplingRate,
    format: o.format,
    emf: values.emf === true,
    limit: o.limit,
    faultRate: o.faultRate,
  };
}

async function waitActive(kinesis: KinesisClient, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const d = await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The local stream ${name} did not become ACTIVE.`);
}

/**
 * Creates the window table with the SAM app's key schema unless it exists, and waits until it
 * is ACTIVE.
 */
async function ensureTable(dynamodb: DynamoDBClient, table: string): Promise<void> {
  try {
    await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    return;
  } catch (err) {
    if ((err as { name?: string }).name !== 'ResourceNotFoundException') throw err;
  }
  await dynamodb.send(new CreateTableCommand(windowTableDefinition(table)));
  for (let i = 0; i < 200; i++) {
    const d = await dynamodb.send(new DescribeTableCommand({ TableName: table }));
    if (d.Table?.TableStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`The table ${table} did not become ACTIVE.`);
}

/** Puts lines; what Kinesis still refuses after the sink's retries fails the replay. */
async function putChunk(source: Sink<string>, lines: readonly string[]): Promise<void> {
  const { failed } = await source.write(lines);
  if (failed.length > 0) throw new Error(`kinesalite refused ${failed.length} records: ${failed[0]!.reason}`);
}

/**
 * Writes every line as one record, as CloudFront does (the data ends with `\n`); a line too long
 * for a record is counted instead.
 */
async function putLines(
  kinesis: KinesisClient,
  options: ReplayOptions,
): Promise<{ lines: number; tooLong: ReplayResult['tooLong'] }> {
  let lines = 0;
  const tooLong: ReplayResult['tooLong'] = { count: 0, examples: [] };
  // One call at a time, in input order, as CloudFront's own records arrive.
  const stream = createKinesisSink<string>({
    client: kinesis,
    streamName: SOURCE_STREAM,
    serialize: (line) => `${line}\n`,
    // CloudFront spreads records over shards; a random partition key does the same.
    partitionKey: () => randomBytes(8).toString('hex'),
    concurrency: 1,
    retry: { maxAttempts: MAX_PUT_ATTEMPTS },
  });
  let chunk: string[] = [];
  for (const source of options.inputs) {
    let lineNo = 0;
    for await (const line of readLineItems([source])) {
      lineNo++;
      if (line === '' || line === '\r') continue;
      if (lines + tooLong.count >= options.limit) break;
      if (isTooLong(line)) {
        tooLong.count++;
        if (tooLong.examples.length < QUARANTINE_PREVIEW)
          tooLong.examples.push(`${source === '-' ? 'stdin' : source}: line ${lineNo}: ${line.reason}`);
        continue;
      }
      chunk.push(line);
      lines++;
      if (chunk.length === PUT_BUFFER_LINES) {
        await putChunk(stream, chunk);
        chunk = [];
      }
    }
  }
  if (chunk.length > 0) await putChunk(stream, chunk);
  return { lines, tooLong };
}

/** Reads every record of a (small) stream: the quarantine. */
async function readStream(kinesis: KinesisClient, name: string): Promise<string[]> {
  const out: string[] = [];
  const shards = await kinesis.send(new ListShardsCommand({ StreamName: name }));
  for (const shard of shards.Shards ?? []) {
    const it = await kinesis.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: shard.ShardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = it.ShardIterator;
    while (iterator !== undefined) {
      const page = await kinesis.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) out.push(Buffer.from(r.Data ?? new Uint8Array()).toString('utf8'));
      if ((page.Records ?? []).length === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

/**
 * Runs the replay and returns what landed.
 *
 * @example
 * const result = await replay(parseReplayArgs([]));
 * result.totals.requests; // every parsed line, counted once
 */
export async function replay(
  options: ReplayOptions,
  onProgress: (text: string) => void = () => {},
  progress?: Progress,
): Promise<ReplayResult> {
  const servers: LocalServer[] = [];
  const clients: { destroy(): void }[] = [];
  try {
    const kinesisServer = await startKinesalite();
    servers.push(kinesisServer);
    // A DynamoDB that outlives the run is the caller's; an in-memory one is this run's.
    const dynamoServer: Pick<LocalServer, 'endpoint'> =
      options.dynamodb === undefined ? await startDynalite() : { endpoint: options.dynamodb.endpoint };
    if (options.dynamodb === undefined) servers.push(dynamoServer as LocalServer);
    const table = options.dynamodb?.table ?? TABLE;
    // Faults go in front of what the handler writes to, never in front of the source stream:
    // the point is to watch the handler's retries and the mapping's, not to lose the input.
    const dynamoProxy = await startFaultProxy(dynamoServer.endpoint, options.faultRate);
    servers.push(dynamoProxy);
    const quarantineProxy = await startFaultProxy(kinesisServer.endpoint, options.faultRate);
    servers.push(quarantineProxy);

    const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 } as const;
    const kinesis = new KinesisClient({
      ...common,
      endpoint: kinesisServer.endpoint,
      requestHandler: new NodeHttpHandler(),
    });
    const handlerKinesis = new KinesisClient({
      ...common,
      endpoint: quarantineProxy.endpoint,
      requestHandler: new NodeHttpHandler(),
    });
    const dynamodb = new DynamoDBClient({ ...common, endpoint: dynamoProxy.endpoint });
    const reader = new DynamoDBClient({ ...common, endpoint: dynamoServer.endpoint });
    clients.push(kinesis, handlerKinesis, dynamodb, reader);

    await kinesis.send(new CreateStreamCommand({ StreamName: SOURCE_STREAM, ShardCount: options.shards }));
    await kinesis.send(new CreateStreamCommand({ StreamName: QUARANTINE_STREAM, ShardCount: 1 }));
    if (options.archive !== undefined)
      await kinesis.send(new CreateStreamCommand({ StreamName: PROCESSED_STREAM, ShardCount: 1 }));
    await waitActive(kinesis, SOURCE_STREAM);
    await waitActive(kinesis, QUARANTINE_STREAM);
    if (options.archive !== undefined) await waitActive(kinesis, PROCESSED_STREAM);
    await ensureTable(reader, table);

    onProgress(`kinesalite ${kinesisServer.endpoint}, dynalite ${dynamoServer.endpoint}`);
    const { lines, tooLong } = await putLines(kinesis, options);
    onProgress(`put ${formatInt(lines)} records into ${SOURCE_STREAM} (${options.shards} shards)`);

    const runKey = randomBytes(32).toString('base64');
    const emfLines: string[] = [];
    const logs: string[] = [];
    const stats = await runEventSourceMapping({
      kinesis,
      streamName: SOURCE_STREAM,
      streamArn: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/${SOURCE_STREAM}`,
      batchSize: options.batchSize,
      functionFor: () =>
        createHandler({
          fields: options.fields,
          previousFields: options.previousFields,
          samplingRate: options.samplingRate,
          windowSeconds: options.windowSeconds,
          dimensions: [[], ...options.dimensions],
          ...(options.archive === undefined
            ? { sinks: ['emf', 'dynamodb'] as const }
            : { sinks: ['emf', 'dynamodb', 'kinesis'] as const, processedStreamName: PROCESSED_STREAM }),
          // The state lives in this run's local table only: a key made for the run keys its
          // distinct clients (every invocation shares it, so they merge), and dies with it.
          hmacKey: runKey,
          tableName: table,
          // Replayed logs are usually older than any TTL: items of a table that outlives the run
          // would be born expired (the TTL counts from the window's end), so they get none.
          ...(options.dynamodb === undefined ? {} : { ttlDays: 0 }),
          quarantine: 'kinesis',
          quarantineStreamName: QUARANTINE_STREAM,
          clients: { dynamodb, kinesis: handlerKinesis },
          emfOutput: (line) => emfLines.push(line),
          log: (line) => logs.push(line),
          retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 50 },
        }),
      onInvoke: (info) => {
        // Records delivered to the handler (redeliveries included), for the terminal's progress line.
        if (progress !== undefined) for (let i = 0; i < info.records; i++) progress.tick(0);
        if (info.failedFrom !== null) {
          onProgress(
            `${info.shardId}: partial failure, retrying from ${info.failedFrom.slice(-8)} (attempt ${info.attempt + 1})`,
          );
        }
      },
    });
    progress?.done();
    onProgress(
      `${formatInt(stats.invocations)} invocations over ${stats.shards} shards, ${formatInt(stats.retries)} retries`,
    );

    const sink = createDynamoDbSink({ client: reader, tableName: table });
    // Replayed logs are usually older than the items' TTL (window end + 14 days): read them as of
    // their own time, as a reader would have right after they were written.
    const cells = await sink.readWindows(0, LAST_WINDOW_START, {}, { consistentRead: true, now: () => 0 });
    const summaries: WindowSummary[] = cells.map((c) => summarize(c, { top: 5 }));
    const status = Object.fromEntries(STATUS_CLASSES.map((c) => [c, 0])) as Record<StatusClass, number>;
    const totals = { requests: 0, bytesOut: 0, bytesIn: 0, status };
    for (const s of summaries) {
      totals.requests += s.requests;
      totals.bytesOut += s.bytesOut;
      totals.bytesIn += s.bytesIn;
      for (const c of STATUS_CLASSES) status[c] += s.status[c];
    }
    // A retried batch quarantines its malformed lines again (a Kinesis put is not idempotent):
    // one line is one (shard, sequence number, line in record).
    const seen = new Set<string>();
    const quarantined = (await readStream(kinesis, QUARANTINE_STREAM))
      .map((text) => JSON.parse(text) as QuarantinedLine)
      .filter((q) => {
        const id = `${q.shardId}/${q.sequenceNumber}/${q.lineInRecord}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
    let archive: ReplayResult['archive'];
    if (options.archive !== undefined) {
      // What Firehose would read from the processed stream, laid out as it writes S3 (one buffer).
      const processed = await readStream(kinesis, PROCESSED_STREAM);
      const objects = layOutArchive(processed, { deliveryStreamName: 'cfrt-replay-archive' });
      for (const o of objects) {
        const path = join(options.archive, ...o.key.split('/'));
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, o.body);
      }
      const failed = objects.filter((o) => !o.key.startsWith('records/'));
      archive = {
        dir: options.archive,
        records: processed.length,
        objects: objects.length,
        partitions: objects.length - failed.length,
        failed: failed.reduce((n, o) => n + o.records, 0),
      };
      onProgress(`archived ${formatInt(processed.length)} processed records in ${options.archive}`);
    }
    const metricNames = new Set<string>();
    for (const line of emfLines) {
      const doc = JSON.parse(line) as { _aws?: { CloudWatchMetrics?: { Metrics?: { Name: string }[] }[] } };
      for (const d of doc._aws?.CloudWatchMetrics ?? [])
        for (const m of d.Metrics ?? []) metricNames.add(m.Name);
    }
    return {
      lines,
      tooLong,
      shards: options.shards,
      mapping: { ...stats, errors: stats.errors.length },
      windows: summaries.map((s) => ({ start: s.start, ...contractFigures(s, 5) })),
      totals,
      handlerLogs: logs.length,
      quarantined: {
        count: quarantined.length,
        examples: quarantined
          .slice(0, QUARANTINE_PREVIEW)
          .map((q) => ({ reason: q.reason, field: q.field, shardId: q.shardId })),
      },
      emf: {
        lines: emfLines.length,
        metrics: [...metricNames].sort(),
        examples: emfLines.slice(0, options.emf ? emfLines.length : EMF_PREVIEW),
      },
      faults: dynamoProxy.faults() + quarantineProxy.faults(),
      ...(archive === undefined ? {} : { archive }),
    };
  } finally {
    for (const c of clients) c.destroy();
    await Promise.all(servers.reverse().map((s) => s.close()));
  }
}

function renderReplay(r: ReplayResult, options: ReplayOptions): string {
  const out: string[] = [];
  out.push(
    `cfrt replay: ${formatInt(r.lines)} lines -> Kinesis (${r.shards} shards) -> event source mapping -> handler -> DynamoDB`,
    '',
    'Event source mapping',
    `  invocations  ${formatInt(r.mapping.invocations)} (batch size ${options.batchSize})`,
    `  delivered    ${formatInt(r.mapping.delivered)} records (with redeliveries)`,
    `  retries      ${formatInt(r.mapping.retries)}${r.faults > 0 ? ` (after ${formatInt(r.faults)} injected faults)` : ''}`,
    `  discarded    ${formatInt(r.mapping.discarded)}`,
    '',
    `Windows read back from DynamoDB (${formatInt(r.windows.length)}, merged over shards and batches)`,
  );
  const rows = [
    ['start (UTC)', 'requests', 'out', ...STATUS_CLASSES, 'hit', 'p50', 'p99', 'clients'],
    ...r.windows.map((w) => [
      formatTime(w.start),
      formatInt(w.requests),
      formatBytes(w.bytesOut),
      ...STATUS_CLASSES.map((c) => formatInt(w.status[c])),
      formatPercent(w.cacheHitRatio),
      formatSeconds(w.timeTaken.p50),
      formatSeconds(w.timeTaken.p99),
      formatInt(w.uniqueClients),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  for (const row of rows)
    out.push(`  ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`);
  out.push(
    `  total        ${formatInt(r.totals.requests)} requests, ${formatBytes(r.totals.bytesOut)} out, ${formatBytes(r.totals.bytesIn)} in`,
    '',
    `Quarantined lines: ${formatInt(r.quarantined.count)} (in the ${QUARANTINE_STREAM} stream, with their reason)`,
    ...r.quarantined.examples.map((q) => `  ${escapeControl(q.shardId)}: ${escapeControl(q.reason)}`),
    ...(r.tooLong.count > 0
      ? [
          `Lines too long to put: ${formatInt(r.tooLong.count)} (over 1 MiB, no Kinesis record holds one: malformed)`,
          ...r.tooLong.examples.map((e) => `  ${escapeControl(e)}`),
        ]
      : []),
    '',
    `EMF: ${formatInt(r.emf.lines)} lines with ${r.emf.metrics.length} metrics (${r.emf.metrics.join(', ')})`,
    // EMF is JSON, whose dimension values may still hold C1 and bidi characters.
    ...r.emf.examples.map((l) =>
      options.emf || l.length <= EMF_PREVIEW_CHARS
        ? `  ${escapeControl(l)}`
        : `  ${escapeControl(l.slice(0, EMF_PREVIEW_CHARS))}... (--emf for every line in full)`,
    ),
  );
  if (r.archive !== undefined) {
    out.push(
      '',
      `Archive: ${formatInt(r.archive.records)} processed records in ${formatInt(r.archive.partitions)} partitions (dt=/hour= of their event time) under ${escapeControl(r.archive.dir)}/records/` +
        (r.archive.failed > 0 ? `, ${formatInt(r.archive.failed)} without a timestamp under errors/` : ''),
    );
  }
  // Counts are scaled by 100/rate for a sampled config; undo that to compare with lines put.
  const counted = Math.round((r.totals.requests * options.samplingRate) / 100);
  const check = counted + r.quarantined.count === r.lines;
  out.push(
    '',
    check
      ? `Every line landed exactly once: ${formatInt(counted)} counted + ${formatInt(r.quarantined.count)} quarantined = ${formatInt(r.lines)} put.`
      : `Not every line landed once: ${formatInt(counted)} counted + ${formatInt(r.quarantined.count)} quarantined vs ${formatInt(r.lines)} put.`,
  );
  return `${out.join('\n')}\n`;
}

/**
 * Runs `cfrt replay` and prints what landed; resolves to the exit code (1 when records were
 * discarded after the mapping's retries).
 *
 * @example
 * process.exitCode = await runReplay(parseReplayArgs(process.argv.slice(3)));
 */
export async function runReplay(options: ReplayOptions): Promise<number> {
  const verbose = options.format === 'table' && process.stderr.isTTY === true;
  const result = await replay(
    options,
    (text) => {
      if (verbose) process.stderr.write(`cfrt replay: ${text}\n`);
    },
    new Progress(process.stderr, { enabled: verbose }),
  );
  const text =
    options.format === 'json' ? `${JSON.stringify(result, null, 2)}\n` : renderReplay(result, options);
  await new Promise<void>((resolve, reject) =>
    process.stdout.write(text, (err) => (err ? reject(err) : resolve())),
  );
  return result.mapping.discarded > 0 ? 1 : 0;
}

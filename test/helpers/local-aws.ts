/**
 * Local AWS for integration tests (and `cfrt replay`): dynalite (DynamoDB), kinesalite (Kinesis),
 * a loopback CloudWatch receiver that decodes what the real `@aws-sdk/client-cloudwatch` sends,
 * and a fault-injecting proxy to put in front of any of them. Everything listens on 127.0.0.1,
 * port 0; nothing leaves the machine.
 */
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  GetRecordsCommand,
  GetShardIteratorCommand,
  KinesisClient,
  ListShardsCommand,
} from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalServer, listen } from '../../src/cli/local-aws.js';

// Server startup is the replay command's own (src/cli/local-aws.ts): one implementation.
export { type LocalServer, startDynalite, startKinesalite } from '../../src/cli/local-aws.js';

const CREDENTIALS = LOCAL_CREDENTIALS;
const REGION = LOCAL_REGION;

/**
 * SDK clients pointed at a local endpoint. `maxAttempts: 1` by default so the sinks' own retries
 * (bounded by the Lambda deadline) are what the tests exercise, not the SDK's.
 */
export function dynamoClient(endpoint: string, maxAttempts = 1): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts });
}

/** Kinesis needs HTTP/1.1 (`NodeHttpHandler`) to talk to kinesalite. */
export function kinesisClient(endpoint: string, maxAttempts = 1): KinesisClient {
  return new KinesisClient({
    endpoint,
    region: REGION,
    credentials: CREDENTIALS,
    maxAttempts,
    requestHandler: new NodeHttpHandler(),
  });
}

export function cloudWatchClient(endpoint: string, maxAttempts = 1): CloudWatchClient {
  return new CloudWatchClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

/** An AWS error answer a fault plan can send instead of forwarding. */
export interface Fault {
  readonly status: number;
  /** `__type` of the JSON error body (`ThrottlingException`, `InternalFailure`, ...). */
  readonly type: string;
  readonly message?: string;
}

/** Throttling as DynamoDB, Kinesis and CloudWatch send it (HTTP 400 + a throttling type). */
export const THROTTLE: Fault = { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' };
/** A 5xx. */
export const INTERNAL_ERROR: Fault = { status: 500, type: 'InternalFailure', message: 'injected 500' };

/** One request seen by a receiver or proxy. */
export interface SeenRequest {
  /** `X-Amz-Target` header, e.g. `Kinesis_20131202.PutRecords`. */
  readonly target: string;
  /** The JSON body, decoded (gunzipped when compressed). */
  readonly body: unknown;
}

/**
 * A partial PutRecords failure, as Kinesis reports it: HTTP 200, `FailedRecordCount > 0`, and an
 * `ErrorCode` on each entry `fail` picks. Only the other entries are forwarded (so only they land).
 */
export interface PartialPutRecords {
  readonly failEntry: (position: number) => boolean;
  readonly code?: string;
}

/**
 * A partial BatchWriteItem, as DynamoDB reports throttling inside a batch: HTTP 200 with the
 * requests `unprocessed` picks returned in `UnprocessedItems`. Only the others are forwarded.
 */
export interface PartialBatchWrite {
  readonly unprocessed: (position: number) => boolean;
}

/** Decides per request whether to inject a fault; `n` counts requests with the same target (from 1). */
export type FaultPlan = (
  request: SeenRequest,
  n: number,
) => Fault | PartialPutRecords | PartialBatchWrite | undefined;

function sendFault(res: ServerResponse, fault: Fault): void {
  const payload = JSON.stringify({ __type: fault.type, message: fault.message ?? fault.type });
  res.writeHead(fault.status, {
    'content-type': 'application/x-amz-json-1.0',
    'x-amzn-errortype': fault.type,
    'x-amzn-query-error': `${fault.type};Sender`,
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

function decodeJson(body: Buffer): unknown {
  if (body.length === 0) return undefined;
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A loopback CloudWatch: answers PutMetricData and keeps what it received. */
export interface CloudWatchReceiver extends LocalServer {
  /** Every PutMetricData request that was accepted, decoded. */
  readonly calls: { Namespace: string; MetricData: ReceivedDatum[]; bytes: number; gzip: boolean }[];
  /** Requests seen (accepted or faulted). */
  readonly seen: SeenRequest[];
  /** Replace the fault plan. */
  plan: FaultPlan;
  /** Forgets what was received and the per-target request counts; plan back to no faults. */
  reset(): void;
}

/** One MetricDatum as the SDK puts it on the wire (JSON protocol: Timestamp in epoch seconds). */
export interface ReceivedDatum {
  MetricName: string;
  Dimensions?: { Name: string; Value: string }[];
  Timestamp?: number;
  Value?: number;
  Values?: number[];
  Counts?: number[];
  Unit?: string;
  StorageResolution?: number;
  StatisticValues?: { SampleCount: number; Sum: number; Minimum: number; Maximum: number };
}

/**
 * Starts a loopback HTTP server that speaks enough of CloudWatch for `PutMetricData`. The installed
 * client uses the AWS JSON 1.0 protocol (`X-Amz-Target: GraniteServiceVersion20100801.PutMetricData`,
 * gzip above 10 KiB); a query-protocol body (`Action=PutMetricData&...`) is rejected loudly so a
 * client downgrade cannot silently pass.
 *
 * @example
 * const cw = await startCloudWatchReceiver();
 * const client = cloudWatchClient(cw.endpoint);
 */
export async function startCloudWatchReceiver(
  plan: FaultPlan = () => undefined,
): Promise<CloudWatchReceiver> {
  const calls: CloudWatchReceiver['calls'] = [];
  const seen: SeenRequest[] = [];
  const counts = new Map<string, number>();
  const server: Server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = decodeJson(raw);
      const seenRequest = { target, body };
      seen.push(seenRequest);
      const n = (counts.get(target) ?? 0) + 1;
      counts.set(target, n);
      if (!target.endsWith('.PutMetricData') || typeof body !== 'object' || body === null) {
        sendFault(res, { status: 400, type: 'InvalidAction', message: `unsupported request ${target}` });
        return;
      }
      const fault = receiver.plan(seenRequest, n);
      if (fault !== undefined && 'status' in fault) {
        sendFault(res, fault);
        return;
      }
      const b = body as { Namespace: string; MetricData: ReceivedDatum[] };
      calls.push({
        Namespace: b.Namespace,
        MetricData: b.MetricData,
        bytes: raw.length,
        gzip: req.headers['content-encoding'] === 'gzip',
      });
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0', 'content-length': 2 });
      res.end('{}');
    })();
  });
  const local = await listen(server);
  const receiver: CloudWatchReceiver = {
    ...local,
    calls,
    seen,
    plan,
    reset() {
      calls.length = 0;
      seen.length = 0;
      counts.clear();
      receiver.plan = () => undefined;
    },
  };
  return receiver;
}

/** A proxy in front of a local server that can answer with faults instead of forwarding. */
export interface FaultProxy extends LocalServer {
  plan: FaultPlan;
  /** Every request seen, forwarded or not. */
  readonly seen: SeenRequest[];
  /** Requests answered with a fault. */
  readonly faults: number;
  /** Forgets what was seen and the per-target request counts; plan back to no faults. */
  reset(): void;
}

/**
 * Starts a loopback proxy forwarding to `target` (an endpoint from this module) and injecting the
 * faults `plan` returns (throttling, 5xx) before the request reaches the server, so the server's
 * state shows only what really landed.
 *
 * @example
 * const proxy = await startFaultProxy(kinesis.endpoint, (r, n) =>
 *   r.target.endsWith('PutRecords') && n <= 2 ? THROTTLE : undefined);
 */
export async function startFaultProxy(
  target: string,
  plan: FaultPlan = () => undefined,
): Promise<FaultProxy> {
  const to = new URL(target);
  const seen: SeenRequest[] = [];
  const counts = new Map<string, number>();
  let faults = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const targetHeader = String(req.headers['x-amz-target'] ?? '');
      const seenRequest = {
        target: targetHeader,
        body: decodeJson(req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw),
      };
      seen.push(seenRequest);
      const n = (counts.get(targetHeader) ?? 0) + 1;
      counts.set(targetHeader, n);
      const fault = proxy.plan(seenRequest, n);
      if (fault !== undefined && 'status' in fault) {
        faults++;
        sendFault(res, fault);
        return;
      }
      if (fault !== undefined && 'failEntry' in fault && targetHeader.endsWith('.PutRecords')) {
        faults++;
        await partialPutRecords(to, req, seenRequest.body as PutRecordsBody, fault, res);
        return;
      }
      if (fault !== undefined && 'unprocessed' in fault && targetHeader.endsWith('.BatchWriteItem')) {
        faults++;
        await partialBatchWrite(to, req, seenRequest.body as BatchWriteBody, fault, res);
        return;
      }
      const upstream = request(
        { host: to.hostname, port: to.port, method: req.method, path: req.url, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      upstream.on('error', () => sendFault(res, INTERNAL_ERROR));
      upstream.end(raw);
    })();
  });
  const local = await listen(server);
  const proxy: FaultProxy = {
    ...local,
    plan,
    seen,
    get faults() {
      return faults;
    },
    reset() {
      seen.length = 0;
      counts.clear();
      faults = 0;
      proxy.plan = () => undefined;
    },
  };
  return proxy;
}

interface PutRecordsBody {
  Records: { Data: string; PartitionKey: string }[];
  [key: string]: unknown;
}

async function partialPutRecords(
  to: URL,
  req: IncomingMessage,
  body: PutRecordsBody,
  fault: PartialPutRecords,
  res: ServerResponse,
): Promise<void> {
  const keep = body.Records.map((_, i) => !fault.failEntry(i));
  const forwarded = JSON.stringify({ ...body, Records: body.Records.filter((_, i) => keep[i]) });
  const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(forwarded)) };
  delete headers['content-encoding'];
  const upstream = await new Promise<{ Records: object[] }>((resolve, reject) => {
    const r = request({ host: to.hostname, port: to.port, method: 'POST', path: req.url, headers }, (up) => {
      const chunks: Buffer[] = [];
      up.on('data', (c: Buffer) => chunks.push(c));
      up.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    });
    r.on('error', reject);
    r.end(forwarded);
  });
  const results: object[] = [];
  let next = 0;
  let failed = 0;
  for (let i = 0; i < keep.length; i++) {
    if (keep[i]) results.push(upstream.Records[next++]!);
    else {
      failed++;
      results.push({
        ErrorCode: fault.code ?? 'ProvisionedThroughputExceededException',
        ErrorMessage: 'injected',
      });
    }
  }
  const payload = JSON.stringify({ FailedRecordCount: failed, Records: results });
  res.writeHead(200, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

interface BatchWriteBody {
  RequestItems: Record<string, object[]>;
}

async function partialBatchWrite(
  to: URL,
  req: IncomingMessage,
  body: BatchWriteBody,
  fault: PartialBatchWrite,
  res: ServerResponse,
): Promise<void> {
  const forward: Record<string, object[]> = {};
  const unprocessed: Record<string, object[]> = {};
  let position = 0;
  for (const [table, requests] of Object.entries(body.RequestItems)) {
    for (const r of requests) {
      const bucket = fault.unprocessed(position++) ? unprocessed : forward;
      const list = bucket[table] ?? [];
      list.push(r);
      bucket[table] = list;
    }
  }
  if (Object.keys(forward).length > 0) {
    const payload = JSON.stringify({ RequestItems: forward });
    const headers = { ...req.headers, 'content-length': String(Buffer.byteLength(payload)) };
    delete headers['content-encoding'];
    await new Promise<void>((resolve, reject) => {
      const r = request(
        { host: to.hostname, port: to.port, method: 'POST', path: req.url, headers },
        (up) => {
          up.resume();
          up.on('end', () => resolve());
        },
      );
      r.on('error', reject);
      r.end(payload);
    });
  }
  const payload = JSON.stringify({ UnprocessedItems: unprocessed });
  res.writeHead(200, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(payload),
  });
  res.end(payload);
}

/** Closes servers, ignoring ones that never started. */
export async function closeAll(...servers: (LocalServer | undefined)[]): Promise<void> {
  await Promise.all(servers.map((s) => s?.close()));
}

/**
 * Creates a stream on kinesalite and waits until it is ACTIVE.
 *
 * @example
 * await createStream(kinesis, 'processed', 2);
 */
export async function createStream(client: KinesisClient, name: string, shards = 1): Promise<void> {
  await client.send(new CreateStreamCommand({ StreamName: name, ShardCount: shards }));
  for (;;) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (d.StreamDescriptionSummary?.StreamStatus === 'ACTIVE') return;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** One record read back from a stream. */
export interface StreamRecord {
  readonly shardId: string;
  readonly partitionKey: string;
  readonly sequenceNumber: string;
  readonly data: string;
}

/** Reads every record of every shard from the start (TRIM_HORIZON), in shard then sequence order. */
export async function readStream(client: KinesisClient, name: string): Promise<StreamRecord[]> {
  const out: StreamRecord[] = [];
  const shards = await client.send(new ListShardsCommand({ StreamName: name }));
  for (const shard of shards.Shards ?? []) {
    const it = await client.send(
      new GetShardIteratorCommand({
        StreamName: name,
        ShardId: shard.ShardId!,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    let iterator = it.ShardIterator;
    while (iterator !== undefined) {
      const page = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
      for (const r of page.Records ?? []) {
        out.push({
          shardId: shard.ShardId!,
          partitionKey: r.PartitionKey!,
          sequenceNumber: r.SequenceNumber!,
          data: Buffer.from(r.Data!).toString('utf8'),
        });
      }
      if ((page.Records ?? []).length === 0 || page.MillisBehindLatest === 0) break;
      iterator = page.NextShardIterator;
    }
  }
  return out;
}

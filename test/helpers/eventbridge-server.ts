/**
 * A loopback EventBridge answering PutEvents as the real `@aws-sdk/client-eventbridge` speaks it:
 * AWS JSON 1.1, `X-Amz-Target: AWSEvents.PutEvents`, `Time` in epoch seconds. Requests are
 * decoded and checked as the service documents (at most 10 entries, a total under 256 KB as
 * EventBridge counts entries, Source / DetailType / Detail present, Detail a JSON object, no
 * `aws.` source); a plan the test gives answers a call with a whole-call error (throttling, 5xx)
 * or fails chosen entries. Accepted events are kept, so a test asserts exactly what was delivered.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { LOCAL_CREDENTIALS, LOCAL_REGION, type LocalServer, listen } from '../../src/cli/local-aws.js';

/** The service's documented limits, restated here so the server checks the sink, not itself. */
export const SERVICE_MAX_ENTRIES = 10;
/** "The total entry size must be less than 256KB." */
export const SERVICE_MAX_TOTAL_BYTES_EXCLUSIVE = 256 * 1024;

/** One entry as the server decoded it from the request. */
export interface ReceivedEntry {
  readonly Source?: string;
  readonly DetailType?: string;
  readonly Detail?: string;
  readonly EventBusName?: string;
  readonly Resources?: readonly string[];
  /** `Time` as sent (epoch seconds), or undefined. */
  readonly Time?: number;
}

/** An event the bus accepted. */
export interface AcceptedEvent {
  readonly eventId: string;
  /** The PutEvents call (from 1) and the entry's position in it. */
  readonly call: number;
  readonly position: number;
  readonly entry: ReceivedEntry;
}

/** One PutEvents call as received, with what was answered. */
export interface ReceivedCall {
  readonly n: number;
  readonly entries: readonly ReceivedEntry[];
  /** Total size as EventBridge counts entries. */
  readonly bytes: number;
  /** `accepted` (per-entry answers, some perhaps failed) or the whole-call error code. */
  readonly answer: string;
  /** The region the request was signed for. */
  readonly region: string;
}

/** An error for a whole call, as the service returns it. */
export interface CallFault {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
}

/** A per-entry failure: the entry's `ErrorCode` and `ErrorMessage`. */
export interface EntryFault {
  readonly code: string;
  readonly message: string;
}

/**
 * What to answer to call `n` (from 1): a whole-call fault, per-entry faults (by position, on the
 * decoded entries), or nothing (the service's own answer).
 */
export type PutEventsPlan = (
  n: number,
  entries: readonly ReceivedEntry[],
) =>
  | CallFault
  | { readonly failEntry: (entry: ReceivedEntry, position: number) => EntryFault | undefined }
  | undefined;

export interface EventBridgeServer extends LocalServer {
  plan: PutEventsPlan;
  readonly calls: ReceivedCall[];
  readonly accepted: AcceptedEvent[];
  /** Forgets calls and events (the plan's call numbers start again at 1). */
  reset(): void;
}

export const THROTTLING: CallFault = { status: 400, code: 'ThrottlingException', message: 'Rate exceeded' };
export const INTERNAL: CallFault = {
  status: 500,
  code: 'InternalException',
  message: 'An internal error occurred',
};
export const ENTRY_THROTTLED: EntryFault = { code: 'ThrottlingException', message: 'Rate exceeded' };
export const ENTRY_INTERNAL: EntryFault = { code: 'InternalFailure', message: 'Internal service failure' };

const utf8 = (s: string) => Buffer.byteLength(s, 'utf8');

/** An entry's size as the EventBridge User Guide computes it ("Calculating PutEvents event entry size"). */
export function documentedEntrySize(e: ReceivedEntry): number {
  let size = e.Time !== undefined ? 14 : 0;
  size += utf8(e.Source ?? '') + utf8(e.DetailType ?? '');
  if (e.Detail !== undefined) size += utf8(e.Detail);
  for (const r of e.Resources ?? []) size += utf8(r);
  return size;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function reply(res: ServerResponse, status: number, body: unknown, headers: object = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'req-1',
    ...headers,
  });
  res.end(text);
}

function fault(res: ServerResponse, f: CallFault): void {
  reply(res, f.status, { __type: f.code, message: f.message ?? f.code });
}

/** Why the service would fail this entry, or undefined. */
function entryProblem(e: ReceivedEntry): EntryFault | undefined {
  if (e.Source === undefined || e.DetailType === undefined || e.Detail === undefined)
    return { code: 'InvalidArgument', message: 'Parameter(s) Source, DetailType, Detail must be specified.' };
  if (e.Source.startsWith('aws.'))
    return {
      code: 'NotAuthorizedForSourceException',
      message: 'Not authorized for the source.',
    };
  let detail: unknown;
  try {
    detail = JSON.parse(e.Detail);
  } catch {
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  }
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    return { code: 'MalformedDetail', message: 'Detail is malformed.' };
  return undefined;
}

/**
 * Starts the server on 127.0.0.1, port 0. With no plan it accepts every valid entry.
 *
 * @example
 * const bus = await startEventBridge((n) => (n === 1 ? THROTTLING : undefined));
 * const client = eventBridgeClient(bus.endpoint);
 */
export async function startEventBridge(plan: PutEventsPlan = () => undefined): Promise<EventBridgeServer> {
  let eventIds = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const raw = await readBody(req);
      const target = String(req.headers['x-amz-target'] ?? '');
      const type = String(req.headers['content-type'] ?? '');
      const region =
        /Credential=[^/]+\/\d+\/([^/]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ?? '';
      if (req.method !== 'POST' || type !== 'application/x-amz-json-1.1')
        return fault(res, {
          status: 400,
          code: 'SerializationException',
          message: `unexpected ${req.method} ${type}`,
        });
      if (target !== 'AWSEvents.PutEvents')
        return fault(res, { status: 400, code: 'UnknownOperationException', message: target });
      let body: { Entries?: unknown };
      try {
        body = JSON.parse(raw) as { Entries?: unknown };
      } catch {
        return fault(res, { status: 400, code: 'SerializationException', message: 'body is not JSON' });
      }
      const entries = body.Entries;
      if (!Array.isArray(entries) || entries.length === 0)
        return fault(res, {
          status: 400,
          code: 'ValidationException',
          message: 'Entries must have at least 1 item',
        });
      const decoded = entries as ReceivedEntry[];
      const n = bus.calls.length + 1;
      const bytes = decoded.reduce((sum, e) => sum + documentedEntrySize(e), 0);
      const record = (answer: string) => bus.calls.push({ n, entries: decoded, bytes, answer, region });
      if (decoded.length > SERVICE_MAX_ENTRIES) {
        record('ValidationException');
        return fault(res, {
          status: 400,
          code: 'ValidationException',
          message: `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${SERVICE_MAX_ENTRIES}`,
        });
      }
      if (bytes >= SERVICE_MAX_TOTAL_BYTES_EXCLUSIVE) {
        record('ValidationException');
        return fault(res, {
          status: 400,
          code: 'ValidationException',
          message: 'Total size of the entries in the request is over the limit.',
        });
      }
      const problems = decoded.map(entryProblem);
      // "If you submit a request in which none of the entries have each of these properties,
      // EventBridge fails the entire request."
      if (problems.every((p) => p?.code === 'InvalidArgument')) {
        record('ValidationException');
        return fault(res, {
          status: 400,
          code: 'ValidationException',
          message: 'Parameter(s) Source, DetailType, Detail must be specified.',
        });
      }
      const planned = bus.plan(n, decoded);
      if (planned !== undefined && 'status' in planned) {
        record(planned.code);
        return fault(res, planned);
      }
      record('accepted');
      let failedCount = 0;
      const results = decoded.map((entry, position) => {
        const failure = problems[position] ?? planned?.failEntry(entry, position);
        if (failure !== undefined) {
          failedCount++;
          return { ErrorCode: failure.code, ErrorMessage: failure.message };
        }
        eventIds++;
        const eventId = `00000000-0000-0000-0000-${String(eventIds).padStart(12, '0')}`;
        bus.accepted.push({ eventId, call: n, position, entry });
        return { EventId: eventId };
      });
      reply(res, 200, { FailedEntryCount: failedCount, Entries: results });
    })().catch((error: unknown) => {
      fault(res, { status: 500, code: 'InternalException', message: String(error) });
    });
  });
  const local = await listen(server);
  const bus: EventBridgeServer = {
    ...local,
    plan,
    calls: [],
    accepted: [],
    reset() {
      bus.calls.length = 0;
      bus.accepted.length = 0;
    },
  };
  return bus;
}

/**
 * An EventBridge client pointed at the loopback server. `maxAttempts: 1` so the sink's own
 * retries are what a test exercises, not the SDK's.
 */
export function eventBridgeClient(endpoint: string, maxAttempts = 1): EventBridgeClient {
  return new EventBridgeClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts,
    requestHandler: new NodeHttpHandler(),
  });
}

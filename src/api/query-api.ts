/**
 * The Analytics API of the SAM app: a read-only HTTP GET over the stored windows (a Lambda
 * Function URL with AWS_IAM auth), answering the JSON `cfrt query --format json` prints, from the
 * same `queryWindows` and the same report. Every request is bounded before any read (range,
 * rows, dimension sets) and while reading (items), so a too-wide request gets a 400 that says
 * what to narrow, never a timeout.
 *
 *   GET /?from=-6h&to=now&window=3600&dimension=country&dimension=host,statusClass&top=20
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DIMENSION_NAMES, type DimensionName, parseDimensionSets } from '../aggregate/index.js';
import { queryReport } from '../report/query-report.js';
import { toJson } from '../report/report.js';
import { parseTime, TIME_FORMS } from '../report/time-arg.js';
import { queryWindows } from '../sinks/dynamodb-query.js';
import { QueryLimitError, QueryRangeError } from '../sinks/query-errors.js';

/** The widest range one request may ask for (the SAM app's default TTL is 14 days). */
export const MAX_QUERY_RANGE_MS = 15 * 86_400_000;
/** Output windows per series one request may ask for: range / window. */
export const MAX_QUERY_WINDOWS = 1_440;
/** Dimension sets one request may ask for, besides the stream-wide view. */
export const MAX_QUERY_DIMENSION_SETS = 4;
/**
 * Stored items one request may read. Reading and merging costs about 1 ms per 21 KB item on one
 * vCPU (bench/cases/query-merge.ts; mostly deserializing), so this stays well inside the
 * function's 30 s timeout at its 1,769 MB (one vCPU).
 */
export const MAX_QUERY_ITEMS = 10_000;
/** Entries per top-N list at most. */
export const MAX_QUERY_TOP = 100;
/**
 * The largest body returned: a Function URL (like a synchronous invoke) answers at most 6 MB;
 * JSON over this gets a 400 asking for fewer rows instead of a 502.
 */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024 - 64 * 1024;

/** What the API reads of a Function URL (payload format 2.0) event. */
export interface QueryApiEvent {
  readonly rawQueryString?: string;
  readonly requestContext?: { readonly http?: { readonly method?: string } };
}

/** A Function URL response. */
export interface QueryApiResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** Options of `createQueryApi`. */
export interface QueryApiOptions {
  /** A DynamoDB client that may call Query on the table (and nothing else is needed). */
  readonly client: Pick<DynamoDBClient, 'send'>;
  readonly table: string;
  /** Epoch ms now, for relative times and TTLs; `Date.now`. */
  readonly now?: () => number;
  /** Where unexpected errors are logged; `console.error`. */
  readonly log?: (line: string) => void;
  /** Stored items one request may read; default (and at most sensible) `MAX_QUERY_ITEMS`. */
  readonly maxItems?: number;
}

/** A request the API refuses: answered 400 with this message. */
class BadRequest extends Error {}

const json = (statusCode: number, body: unknown): QueryApiResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

interface ParsedRequest {
  from: number;
  to: number;
  window: number | undefined;
  dimensions: DimensionName[][];
  top: number;
}

function parseRequest(query: URLSearchParams, now: number): ParsedRequest {
  const known = new Set(['from', 'to', 'window', 'dimension', 'top']);
  for (const name of query.keys()) {
    if (!known.has(name)) throw new BadRequest(`Unknown parameter "${name}"; use ${[...known].join(', ')}.`);
  }
  const timeOf = (name: string, fallback: number | undefined): number => {
    const text = query.get(name);
    if (text === null) {
      if (fallback === undefined) throw new BadRequest(`"${name}" is required: ${TIME_FORMS}.`);
      return fallback;
    }
    const ms = parseTime(text, now);
    if (ms === null) throw new BadRequest(`"${name}" must be ${TIME_FORMS}; got "${text}".`);
    return ms;
  };
  const from = timeOf('from', undefined);
  const to = timeOf('to', now);
  if (from >= to) throw new BadRequest('"from" must be before "to".');
  if (to - from > MAX_QUERY_RANGE_MS) {
    throw new BadRequest(
      `The range is ${((to - from) / 86_400_000).toFixed(1)} days; at most ${MAX_QUERY_RANGE_MS / 86_400_000} days per request.`,
    );
  }
  const int = (name: string, min: number, max: number): number | undefined => {
    const text = query.get(name);
    if (text === null) return undefined;
    const n = Number(text);
    if (!Number.isInteger(n) || n < min || n > max)
      throw new BadRequest(`"${name}" must be a whole number from ${min} to ${max}; got "${text}".`);
    return n;
  };
  const window = int('window', 1, 86_400);
  const dimensions: DimensionName[][] = [];
  for (const text of query.getAll('dimension')) {
    for (const set of parseDimensionSets(text)) {
      const unknown = set.find((name) => !(DIMENSION_NAMES as readonly string[]).includes(name));
      if (unknown !== undefined)
        throw new BadRequest(`Unknown dimension "${unknown}"; use one of ${DIMENSION_NAMES.join(', ')}.`);
      if (set.length > 0) dimensions.push(set);
    }
  }
  if (dimensions.length > MAX_QUERY_DIMENSION_SETS) {
    throw new BadRequest(
      `At most ${MAX_QUERY_DIMENSION_SETS} dimension sets per request; got ${dimensions.length}.`,
    );
  }
  // The stored window is 60 s unless configured otherwise: without `window` a request is bounded
  // as if it asked for 60 s rows (the rows of a wider stored window are fewer).
  const rows = Math.ceil((to - from) / ((window ?? 60) * 1000));
  if (rows > MAX_QUERY_WINDOWS) {
    throw new BadRequest(
      `The range holds ${rows} windows of ${window ?? 60} s; at most ${MAX_QUERY_WINDOWS} per request: ask for a wider window (e.g. window=${Math.ceil((to - from) / 1000 / MAX_QUERY_WINDOWS / 60) * 60}) or a shorter range.`,
    );
  }
  return { from, to, window, dimensions, top: int('top', 1, MAX_QUERY_TOP) ?? 10 };
}

/**
 * The API's request handler: a GET with query parameters `from` (required), `to`, `window`,
 * `dimension` (repeatable) and `top`; answers the `cfrt query --format json` document, 400 with
 * `{ message }` for a request it refuses, 405 for another method.
 *
 * @example
 * import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
 * export const handler = createQueryApi({ client: new DynamoDBClient({}), table: 'cf-windows' });
 */
export function createQueryApi(
  options: QueryApiOptions,
): (event: QueryApiEvent) => Promise<QueryApiResponse> {
  const now = options.now ?? Date.now;
  const log = options.log ?? ((line: string) => console.error(line));
  const maxItems = options.maxItems ?? MAX_QUERY_ITEMS;
  return async (event) => {
    const method = event.requestContext?.http?.method ?? 'GET';
    if (method !== 'GET') return json(405, { message: 'Only GET is served.' });
    try {
      const request = parseRequest(new URLSearchParams(event.rawQueryString ?? ''), now());
      const result = await queryWindows({
        client: options.client,
        table: options.table,
        from: request.from,
        to: request.to,
        dimensions: [[], ...request.dimensions],
        ...(request.window === undefined ? {} : { window: request.window }),
        maxItems,
        now,
      });
      const body = JSON.stringify(
        toJson(
          queryReport(result, { top: request.top, table: options.table, windowSeconds: request.window }),
        ),
      );
      if (Buffer.byteLength(body) > MAX_RESPONSE_BYTES) {
        throw new BadRequest(
          `The answer would be ${Buffer.byteLength(body)} bytes; at most ${MAX_RESPONSE_BYTES}: ask for a wider window, fewer dimension sets or a shorter range.`,
        );
      }
      return { ...json(200, null), body };
    } catch (err) {
      if (err instanceof BadRequest || err instanceof QueryRangeError)
        return json(400, { message: err.message });
      if (err instanceof QueryLimitError) {
        return json(400, {
          message: `The request reads more than ${maxItems} stored items: ask for a shorter range or fewer dimension sets.`,
        });
      }
      log(`cfrt query API: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      return json(500, { message: 'The query failed; see the function log.' });
    }
  };
}

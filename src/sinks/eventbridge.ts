/**
 * The EventBridge sink: each finding becomes one event on a bus (`Detail` = the finding as
 * canonical JSON, `Time` = the end of its window), sent with PutEvents in calls within the API's
 * limits. Only the entries EventBridge failed for a transient reason are sent again, with backoff
 * and full jitter; what it refused for good is reported per finding, and what was still
 * undelivered when the retries ran out makes `publish` reject with the counts.
 *
 * Publishing is at least once: a call that timed out may have landed, and is sent again. Every
 * finding carries a stable `id` (same window, kind and subject, same id), so a consumer drops
 * duplicates by it.
 */
import type {
  EventBridgeClient,
  PutEventsCommandOutput,
  PutEventsRequestEntry,
} from '@aws-sdk/client-eventbridge';
import * as z from 'zod/mini';
import type { Finding } from '../detect/types.js';
import { checkOptions } from '../model/options.js';
import {
  EVENTBRIDGE_MAX_DETAIL_DEPTH,
  EVENTBRIDGE_MAX_ENTRIES_PER_PUT,
  EVENTBRIDGE_MAX_PUT_BYTES,
  EVENTBRIDGE_TIME_ENTRY_BYTES,
} from './aws-limits.js';
import { type CallLimits, createBatchedWriter, Refusal } from './batched-writer.js';
import { SinkConfigError, SinkDeliveryError } from './errors.js';
import { lazyModule } from './lazy-module.js';
import { EVENTBRIDGE_SINK_OPTIONS } from './options.js';
import type { RetryBudget, RetryPolicy, RoundFailure } from './retry.js';

// The SDK is loaded on first publish, so importing this module (or bundling it) costs nothing until used.
const sdk = lazyModule(() => import('@aws-sdk/client-eventbridge'));

export {
  EVENTBRIDGE_MAX_ENTRIES_PER_PUT as MAX_ENTRIES_PER_PUT,
  EVENTBRIDGE_MAX_PUT_BYTES as MAX_PUT_BYTES,
  EVENTBRIDGE_TIME_ENTRY_BYTES as TIME_ENTRY_BYTES,
};

/**
 * What one PutEvents call may carry. An entry over the call's room alone could never be sent:
 * it is refused before sending.
 */
const PUT_EVENTS_LIMITS: CallLimits = {
  maxEntries: EVENTBRIDGE_MAX_ENTRIES_PER_PUT,
  maxBytes: EVENTBRIDGE_MAX_PUT_BYTES,
};

/**
 * Per-entry codes EventBridge documents as transient (PutEventsResultEntry `ErrorCode`:
 * InternalFailure, ThrottlingException; CommonErrors: InternalException, ServiceUnavailable).
 * Every other code (MalformedDetail, InvalidArgument, AccessDeniedException,
 * NotAuthorizedForSourceException, NotAuthorizedForDetailTypeException, InvalidAccountIdException,
 * RedactionFailure, and codes not documented yet) would fail again: reported, never retried.
 */
export const RETRYABLE_ENTRY_CODES: ReadonlySet<string> = new Set([
  'InternalFailure',
  'InternalException',
  'ThrottlingException',
  'ServiceUnavailable',
]);

/** Options of `createEventBridgeSink`. */
export interface EventBridgeSinkOptions {
  /** An SDK v3 client (injected: the Lambda runtime ships the SDK; tests point it at a loopback server). */
  readonly client: Pick<EventBridgeClient, 'send'>;
  /** The bus's name or ARN; default `default`. */
  readonly eventBusName?: string;
  /** The events' `source`; default `cloudfront-realtime-logs`. EventBridge reserves `aws.` for AWS. */
  readonly source?: string;
  /** The events' `detail-type`, 1-128 characters; default `CloudFront Traffic Finding`. */
  readonly detailType?: string;
  /** ARNs every event is about (the distribution, say); each counts against the size limit. */
  readonly resources?: readonly string[];
  readonly retry?: RetryPolicy;
  /** PutEvents calls in flight; default 4. */
  readonly concurrency?: number;
}

/** A finding EventBridge did not accept: refused for good, or still failing when the retries ran out. */
export interface PublishFailure {
  /** Position in the array given to `publish`. */
  readonly index: number;
  /** The finding's id (`''` when it had none). */
  readonly id: string;
  /** EventBridge's code (`MalformedDetail`, `ThrottlingException`, ...), or the error's name for a whole call. */
  readonly code: string;
  readonly message: string;
}

/** A finding never sent, because EventBridge would refuse it on every attempt. */
export interface PublishRefusal {
  readonly index: number;
  /** The finding's id (`''` when it had none). */
  readonly id: string;
  /** Why: over the size limit (with its size as EventBridge counts it), or not a JSON-safe finding. */
  readonly reason: string;
}

/** What one `publish` did. Every finding given is published, failed or refused, once. */
export interface PublishResult {
  /** Findings EventBridge accepted. */
  readonly published: number;
  /** PutEvents calls made, failed ones included. */
  readonly calls: number;
  /** Entries sent again after a transient failure, once per resend. */
  readonly retried: number;
  /** Findings EventBridge did not accept, in input order. */
  readonly failed: readonly PublishFailure[];
  /** Findings never sent (too large, not serializable), in input order. */
  readonly refused: readonly PublishRefusal[];
}

/** The findings sink: one method. */
export interface EventBridgeSink {
  readonly name: string;
  /**
   * Publishes each finding as one event. Resolves with what happened to each, including findings
   * EventBridge refused for good; rejects with `EventBridgePublishError` when findings were still
   * undelivered for a transient reason after the retries (`deadline` and `signal` bound them).
   */
  publish(findings: readonly Finding[], budget?: RetryBudget): Promise<PublishResult>;
}

/**
 * Findings that might have been published with more time (throttling, 5xx, the deadline): the
 * counts, and the whole result for the findings that were.
 */
export class EventBridgePublishError extends SinkDeliveryError {
  override name = 'EventBridgePublishError';
  readonly result: PublishResult;

  constructor(message: string, result: PublishResult) {
    super(message, {
      sink: 'eventbridge',
      delivered: result.published,
      undelivered: result.failed.length + result.refused.length,
    });
    this.result = result;
  }
}

// ------------------------------------------------------------------ the finding as bytes

/** Why a value cannot be written as JSON EventBridge takes, or null. */
type Problem = string | null;

function appendJson(value: unknown, out: string[], depth: number, at: string): Problem {
  if (value === null) {
    out.push('null');
    return null;
  }
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return null;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return null;
    case 'number':
      // JSON.stringify would write NaN and Infinity as null: a silent change of the figure.
      if (!Number.isFinite(value)) return `${at} is ${value}, not a finite number`;
      out.push(JSON.stringify(value));
      return null;
    case 'object':
      break;
    default:
      return `${at} is a ${typeof value}, which JSON cannot hold`;
  }
  if (depth >= EVENTBRIDGE_MAX_DETAIL_DEPTH)
    return `nested deeper than the ${EVENTBRIDGE_MAX_DETAIL_DEPTH} levels EventBridge reads`;
  if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      const problem = appendJson(value[i] === undefined ? null : value[i], out, depth + 1, `${at}[${i}]`);
      if (problem !== null) return problem;
    }
    out.push(']');
    return null;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return `${at} is not a plain object`;
  // Keys sorted, undefined members left out: equal findings give equal bytes, however built.
  const keys = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort();
  out.push('{');
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (i > 0) out.push(',');
    out.push(JSON.stringify(k), ':');
    const problem = appendJson((value as Record<string, unknown>)[k], out, depth + 1, `${at}.${k}`);
    if (problem !== null) return problem;
  }
  out.push('}');
  return null;
}

/**
 * A finding as deterministic JSON: keys sorted at every level, no spaces, members that are
 * `undefined` left out. The same finding gives the same bytes whatever order its keys were set
 * in. A value JSON cannot hold faithfully (NaN, Infinity, a bigint, a function, a cycle, a class
 * instance) is a problem, not a silent `null`.
 *
 * @example
 * findingJson({ version: 1, id: 'ab', kind: 'new-bot' } as unknown as Finding);
 * // { ok: true, json: '{"id":"ab","kind":"new-bot","version":1}' }
 */
export function findingJson(
  finding: Finding,
): { readonly ok: true; readonly json: string } | { readonly ok: false; readonly reason: string } {
  if (typeof finding !== 'object' || finding === null || Array.isArray(finding))
    return { ok: false, reason: 'not a finding: the event detail must be a JSON object' };
  const out: string[] = [];
  const problem = appendJson(finding, out, 0, 'finding');
  return problem === null ? { ok: true, json: out.join('') } : { ok: false, reason: problem };
}

const encoder = new TextEncoder();

/** UTF-8 bytes of a string (lone surrogates count 3, as their replacement character is sent). */
function utf8Bytes(text: string): number {
  return encoder.encode(text).byteLength;
}

/**
 * An entry's size as EventBridge counts it against the call's limit: `Time` 14 bytes when
 * present, then the UTF-8 bytes of `Source`, `DetailType`, `Detail` and each resource.
 * `EventBusName` does not count.
 *
 * @example
 * putEventsEntrySize({ Time: new Date(), Source: 'a', DetailType: 'b', Detail: '{}' }); // 18
 */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time === undefined ? 0 : EVENTBRIDGE_TIME_ENTRY_BYTES;
  size += utf8Bytes(entry.Source ?? '') + utf8Bytes(entry.DetailType ?? '');
  if (entry.Detail !== undefined) size += utf8Bytes(entry.Detail);
  for (const r of entry.Resources ?? []) size += utf8Bytes(r);
  return size;
}

// ------------------------------------------------------------------ the sink

interface Entry {
  /** Position of the finding in `publish`'s input. */
  readonly index: number;
  readonly request: PutEventsRequestEntry;
  readonly size: number;
}

/** The finding's id as reported (a hostile value is not echoed: only a string id is). */
function idOf(finding: unknown): string {
  const id = (finding as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : '';
}

/** The finding's window end as a time, or why there is none. */
function windowEnd(finding: Finding): Date | string {
  const end = (finding as unknown as { window?: { end?: unknown } | null }).window?.end;
  if (typeof end !== 'string') return 'window.end is missing: the event time is the end of the window';
  const ms = Date.parse(end);
  if (!Number.isFinite(ms)) return 'window.end is not an ISO 8601 time';
  return new Date(ms);
}

const declaredOptions = z.object(EVENTBRIDGE_SINK_OPTIONS);

/** A code and message from a thrown SDK error (its `name` is the service's error code). */
function errorCode(error: unknown): { code: string; message: string } {
  const e = error as { name?: unknown; message?: unknown } | null;
  const code = typeof e?.name === 'string' && e.name !== '' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return { code, message: message.length > 300 ? `${message.slice(0, 297)}...` : message };
}

/**
 * Creates a sink publishing findings to an EventBridge bus, one event per finding.
 *
 * @example
 * import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
 * const sink = createEventBridgeSink({
 *   client: new EventBridgeClient({}),
 *   eventBusName: 'security',
 *   resources: ['arn:aws:cloudfront::123456789012:distribution/E1ABCDEF'],
 * });
 * const { published, failed, refused } = await sink.publish(findings, { deadline: Date.now() + 20_000 });
 */
export function createEventBridgeSink(options: EventBridgeSinkOptions): EventBridgeSink {
  const checked = checkOptions(declaredOptions, {
    eventBusName: options.eventBusName,
    source: options.source,
    detailType: options.detailType,
    resources: options.resources,
  });
  if (!checked.ok) throw new SinkConfigError({ sink: 'EventBridge', issues: checked.issues });
  const { eventBusName, source, detailType, resources } = checked.value;
  const { client } = options;

  return {
    name: 'eventbridge',
    async publish(findings, budget = {}) {
      let calls = 0;
      let retried = 0;
      const sent = new Uint8Array(findings.length);
      // The last answer for each finding that failed, by input index: EventBridge's own words.
      const lastError = new Map<number, { code: string; message: string }>();

      const write = createBatchedWriter<Finding, Entry>({
        limits: PUT_EVENTS_LIMITS,
        prepare(finding, index) {
          const json = findingJson(finding);
          if (!json.ok) return new Refusal(json.reason);
          const time = windowEnd(finding);
          if (typeof time === 'string') return new Refusal(time);
          const request: PutEventsRequestEntry = {
            Time: time,
            Source: source,
            DetailType: detailType,
            Detail: json.json,
            EventBusName: eventBusName,
            ...(resources.length > 0 ? { Resources: [...resources] } : {}),
          };
          return [{ index, request, size: putEventsEntrySize(request) }];
        },
        size: (entry) => entry.size,
        tooLarge: (bytes, limit) =>
          `event of ${bytes} bytes (as EventBridge counts PutEvents entries) exceeds the limit of ${limit} bytes`,
        async send(chunk, signal) {
          for (const e of chunk) {
            if (sent[e.index] === 1) retried++;
            sent[e.index] = 1;
          }
          calls++;
          const { PutEventsCommand } = await sdk();
          let out: PutEventsCommandOutput;
          try {
            out = await client.send(new PutEventsCommand({ Entries: chunk.map((e) => e.request) }), {
              abortSignal: signal,
            });
          } catch (error) {
            const answer = errorCode(error);
            for (const e of chunk) lastError.set(e.index, answer);
            throw error;
          }
          const failures: RoundFailure[] = [];
          const results = out.Entries ?? [];
          // Results are in request order, one per entry; an entry without an EventId did not land.
          for (let position = 0; position < chunk.length; position++) {
            const r = results[position];
            if (r !== undefined && r.ErrorCode === undefined && r.EventId !== undefined) continue;
            const code = r?.ErrorCode ?? 'MissingResult';
            const message = r?.ErrorMessage ?? (r === undefined ? 'no result for this entry' : '');
            lastError.set(chunk[position]!.index, { code, message });
            failures.push({
              position,
              reason: message === '' ? code : `${code}: ${message}`,
              retryable: r === undefined || RETRYABLE_ENTRY_CODES.has(code),
            });
          }
          return failures;
        },
        concurrency: options.concurrency,
        retry: options.retry,
      });

      const outcome = await write(findings, budget);
      const failed: PublishFailure[] = [];
      const refused: PublishRefusal[] = [];
      let transient = 0;
      let example = '';
      for (const f of outcome.failed) {
        const id = idOf(findings[f.index]);
        if (f.permanent === true) {
          refused.push({ index: f.index, id, reason: f.reason });
          continue;
        }
        const answer = lastError.get(f.index) ?? { code: 'Error', message: f.reason };
        failed.push({ index: f.index, id, code: answer.code, message: answer.message });
        if (f.retryable) {
          transient++;
          if (example === '') example = f.reason;
        }
      }
      const result: PublishResult = { published: outcome.written, calls, retried, failed, refused };
      if (transient > 0) {
        throw new EventBridgePublishError(
          `EventBridge: ${result.published} of ${findings.length} findings published, ` +
            `${findings.length - result.published} not (${transient} still failing after ` +
            `${outcome.attempts} attempts: ${example}); publishing again is safe, findings carry stable ids`,
          result,
        );
      }
      return result;
    },
  };
}

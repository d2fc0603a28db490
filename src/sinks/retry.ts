/**
 * Retries with exponential backoff and full jitter, bounded by attempts and by a deadline (the
 * Lambda's remaining time). Every sink uses `retryPending`: send what is pending, keep what failed
 * and may succeed later, wait, send again; what still fails is returned as values, never thrown.
 */
import type { SinkFailure } from './types.js';

/** Attempts per item, the first one included. */
export const DEFAULT_MAX_ATTEMPTS = 8;
/** First backoff cap; doubles per attempt ("full jitter": the wait is uniform in [0, cap]). */
export const DEFAULT_BASE_DELAY_MS = 50;
/** Upper bound of one wait. */
export const DEFAULT_MAX_DELAY_MS = 5_000;

/** How a sink retries. Every field is optional; `random`, `now` and `sleep` exist for tests. */
export interface RetryPolicy {
  /** Attempts per item, the first included; default `DEFAULT_MAX_ATTEMPTS`. `1` disables retries. */
  readonly maxAttempts?: number;
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Uniform random in [0, 1); `Math.random` by default. */
  readonly random?: () => number;
  /** Epoch ms; `Date.now` by default. */
  readonly now?: () => number;
  /** Waits `ms`; resolves early (without throwing) when `signal` aborts. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Per-call limits the handler passes down (see `WriteOptions`). */
export interface RetryBudget {
  /** Epoch ms after which no new attempt starts. */
  readonly deadline?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The wait before retry number `attempt` (1 = first retry): uniform in
 * `[0, min(maxDelayMs, baseDelayMs * 2^(attempt-1))]` ("full jitter", which spreads retrying
 * clients best under throttling).
 *
 * @example
 * backoffDelay(3, { baseDelayMs: 100, random: () => 0.5 }); // 200 (half of the 400 ms cap)
 */
export function backoffDelay(attempt: number, policy: RetryPolicy = {}): number {
  const base = policy.baseDelayMs ?? DEFAULT_BASE_DELAY_MS;
  const max = policy.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
  const cap = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return Math.floor((policy.random ?? Math.random)() * cap);
}

/**
 * Resolves after `ms`, or as soon as `signal` aborts.
 *
 * @example
 * await sleep(100);
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'TransactionInProgressException',
  'InternalFailure',
  'InternalServerError',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'KMSThrottlingException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

const NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $response?: { statusCode?: unknown };
}

function statusOf(e: ErrorLike): number | undefined {
  const s = e.$metadata?.httpStatusCode ?? e.$response?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

/**
 * Whether an error from an AWS SDK v3 call (or the network under it) may go away on retry:
 * throttling, 5xx, 429, timeouts, connection resets. Validation and access errors may not.
 *
 * @example
 * isRetryableError(Object.assign(new Error('slow down'), { name: 'ThrottlingException' })); // true
 */
export function isRetryableError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorLike;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  if (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name)) return true;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = statusOf(e);
  if (status !== undefined) return status >= 500 || status === 429;
  return false;
}

/**
 * One line describing an error for logs and `SinkFailure.reason`: name, status, message. Never
 * the request payload.
 *
 * @example
 * errorText(new Error('boom')); // 'Error: boom'
 */
export function errorText(error: unknown): string {
  if (typeof error !== 'object' || error === null) return String(error);
  const e = error as ErrorLike;
  const status = statusOf(e);
  const name = typeof e.name === 'string' ? e.name : 'Error';
  const message = typeof e.message === 'string' && e.message !== '' ? e.message : undefined;
  const text = `${name}${status !== undefined ? ` (HTTP ${status})` : ''}${message !== undefined && message !== name ? `: ${message}` : ''}`;
  return text.length > 300 ? `${text.slice(0, 297)}...` : text;
}

/** What one round of `retryPending` reports for the items it was given. */
export interface RoundFailure {
  /** Position in the `pending` array the round was called with. */
  readonly position: number;
  readonly reason: string;
  readonly retryable: boolean;
}

/** Statistics of one `retryPending` run, for the handler's log line. */
export interface RetryOutcome {
  readonly failed: SinkFailure[];
  /** Rounds run (1 when everything landed at once). */
  readonly attempts: number;
}

/**
 * Sends `items` with `send`, then resends only the items that failed retryably, with backoff and
 * full jitter, until all landed, `maxAttempts` rounds ran, or the next wait would pass the
 * deadline. A `send` that throws fails every item of its round with the error's text
 * (retryable per `isRetryableError`). Returns the final failures with the items' original indices.
 *
 * @example
 * const { failed } = await retryPending(records, async (pending) => {
 *   const out = await client.send(new PutRecordsCommand({ ... }));
 *   return (out.Records ?? []).flatMap((r, position) =>
 *     r.ErrorCode ? [{ position, reason: r.ErrorCode, retryable: true }] : []);
 * }, { maxAttempts: 5 }, { deadline: Date.now() + 10_000 });
 */
export async function retryPending<T>(
  items: readonly T[],
  send: (pending: readonly T[], attempt: number) => Promise<readonly RoundFailure[]>,
  policy: RetryPolicy = {},
  budget: RetryBudget = {},
): Promise<RetryOutcome> {
  const maxAttempts = Math.max(1, policy.maxAttempts ?? DEFAULT_MAX_ATTEMPTS);
  const now = policy.now ?? Date.now;
  const wait = policy.sleep ?? sleep;
  let pending: number[] = items.map((_, i) => i);
  const final: SinkFailure[] = [];
  let attempt = 0;
  while (pending.length > 0) {
    attempt++;
    const batch = pending.map((i) => items[i]!);
    let failures: readonly RoundFailure[];
    try {
      failures = await send(batch, attempt);
    } catch (error) {
      const reason = errorText(error);
      const retryable = isRetryableError(error);
      failures = batch.map((_, position) => ({ position, reason, retryable }));
    }
    const retry: number[] = [];
    const last: SinkFailure[] = [];
    for (const f of failures) {
      const index = pending[f.position];
      if (index === undefined) continue;
      if (f.retryable) retry.push(index);
      else final.push({ index, reason: f.reason, retryable: false });
      last.push({ index, reason: f.reason, retryable: f.retryable });
    }
    if (retry.length === 0) break;
    const delay = backoffDelay(attempt, policy);
    const outOfTime = budget.deadline !== undefined && now() + delay >= budget.deadline;
    if (attempt >= maxAttempts || outOfTime || budget.signal?.aborted === true) {
      const retrySet = new Set(retry);
      for (const f of last) if (retrySet.has(f.index)) final.push(f);
      break;
    }
    await wait(delay, budget.signal);
    pending = retry.sort((a, b) => a - b);
  }
  final.sort((a, b) => a.index - b.index);
  return { failed: final, attempts: attempt };
}

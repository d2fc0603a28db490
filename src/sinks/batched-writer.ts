/**
 * The one batched writer of the AWS sinks: items become entries (a record, a datum, a put), entries
 * are cut into calls within a service's per-call limits, sent a few calls at a time, what failed
 * and may succeed later is sent again (`retryPending`: backoff, attempts, deadline, abort), and the
 * outcome is reported per input item. A sink supplies only what differs: how an item becomes
 * entries (or why the service would refuse it for good), an entry's size, the limits, and how to
 * send one call and read its per-entry failures.
 */
import { DEFAULT_CONCURRENCY, mapConcurrent } from './concurrency.js';
import {
  errorText,
  isRetryableError,
  type RetryBudget,
  type RetryPolicy,
  type RoundFailure,
  retryPending,
} from './retry.js';
import type { SinkFailure } from './types.js';

/** What one call of a service may carry. */
export interface CallLimits {
  /** Entries per call. */
  readonly maxEntries: number;
  /** Bytes per call: the entries' sizes plus `envelopeBytes`. */
  readonly maxBytes: number;
  /** Bytes of one entry; default (and at most) what one call has room for. */
  readonly maxEntryBytes?: number;
  /** Bytes every call spends outside its entries; default 0. */
  readonly envelopeBytes?: number;
}

/** Why a service would refuse an item on every attempt: reported permanent, never sent. */
export class Refusal {
  constructor(readonly reason: string) {}
}

/** What a sink tells the writer. `T` is an input item, `E` what one entry of a call holds. */
export interface BatchedWriterSpec<T, E> {
  readonly limits: CallLimits;
  /** The entries `item` is sent as, in order (none: nothing to send), or a `Refusal`. */
  readonly prepare: (item: T, index: number) => readonly E[] | Refusal;
  /** Bytes an entry counts against `limits`. */
  readonly size: (entry: E) => number;
  /**
   * Sends one call. Resolves to the entries that failed, by position in `chunk`; throws when the
   * whole call failed (retryable per `isRetryableError`).
   */
  readonly send: (chunk: readonly E[], signal: AbortSignal | undefined) => Promise<readonly RoundFailure[]>;
  /**
   * When given, entries of one write with the same key are sent once, the last of them, which
   * then stands for every item that had one (a service that refuses a call naming a key twice).
   */
  readonly key?: (entry: E) => string;
  /** The reason given for an entry over `maxEntryBytes`. */
  readonly tooLarge?: (bytes: number, limit: number) => string;
  /** Calls in flight; default `DEFAULT_CONCURRENCY`. */
  readonly concurrency?: number | undefined;
  readonly retry?: RetryPolicy | undefined;
}

/** The outcome of one write: every input index is either written or in `failed`, once. */
export interface BatchedWrite {
  readonly written: number;
  /** Sorted by index. */
  readonly failed: SinkFailure[];
  /** Rounds run (0 when nothing was sent). */
  readonly attempts: number;
}

/** Writes a batch of items; see `createBatchedWriter`. */
export type BatchedWriter<T> = (items: readonly T[], budget?: RetryBudget) => Promise<BatchedWrite>;

/**
 * Cuts entries into calls within `limits`, in order: a call closes when the next entry would pass
 * the entry count or the byte budget. An entry larger than a call's room is alone in its call
 * (the writer refuses such entries before they get here).
 *
 * @example
 * chunkBySize([3, 3, 3, 9, 1], (n) => n, { maxEntries: 3, maxBytes: 10 }); // [[3, 3, 3], [9, 1]]
 */
export function chunkBySize<E>(entries: readonly E[], size: (entry: E) => number, limits: CallLimits): E[][] {
  const envelope = limits.envelopeBytes ?? 0;
  const chunks: E[][] = [];
  let current: E[] = [];
  let bytes = envelope;
  for (const entry of entries) {
    const n = size(entry);
    if (current.length > 0 && (current.length >= limits.maxEntries || bytes + n > limits.maxBytes)) {
      chunks.push(current);
      current = [];
      bytes = envelope;
    }
    current.push(entry);
    bytes += n;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

interface Slot<E> {
  readonly entry: E;
  readonly size: number;
  /** Input indices this entry stands for (more than one only when keys repeat). */
  readonly owners: number[];
}

/**
 * Creates a writer from what a sink knows about its service (see `BatchedWriterSpec`). The
 * writer never throws for a failed call: failures come back per input index, with the last reason.
 *
 * @example
 * const write = createBatchedWriter<string, Uint8Array>({
 *   limits: { maxEntries: 500, maxBytes: 5 * 1024 * 1024, maxEntryBytes: 1024 * 1024 },
 *   prepare: (line) => [new TextEncoder().encode(line)],
 *   size: (data) => data.byteLength,
 *   send: async (chunk) => [], // one PutRecords call; per-entry failures by position
 * });
 * const { written, failed } = await write(lines, { deadline: Date.now() + 10_000 });
 */
export function createBatchedWriter<T, E>(spec: BatchedWriterSpec<T, E>): BatchedWriter<T> {
  const { limits, size, key, send } = spec;
  const room = limits.maxBytes - (limits.envelopeBytes ?? 0);
  const maxEntryBytes = Math.min(limits.maxEntryBytes ?? room, room);
  const tooLarge =
    spec.tooLarge ??
    ((bytes: number, limit: number) => `entry of ${bytes} bytes exceeds the limit of ${limit}`);
  const concurrency = spec.concurrency ?? DEFAULT_CONCURRENCY;
  const slotSize = (slot: Slot<E>) => slot.size;

  async function sendChunk(
    chunk: readonly Slot<E>[],
    base: number,
    signal: AbortSignal | undefined,
  ): Promise<RoundFailure[]> {
    const failures: RoundFailure[] = [];
    try {
      const reported = await send(
        chunk.map((s) => s.entry),
        signal,
      );
      // Positions are the service's word: one failure per entry of this call, nothing else.
      const seen = new Uint8Array(chunk.length);
      for (const f of reported) {
        if (!(f.position >= 0 && f.position < chunk.length) || seen[f.position] === 1) continue;
        seen[f.position] = 1;
        failures.push({ position: base + f.position, reason: f.reason, retryable: f.retryable });
      }
    } catch (error) {
      const reason = errorText(error);
      const retryable = isRetryableError(error);
      for (let i = 0; i < chunk.length; i++) failures.push({ position: base + i, reason, retryable });
    }
    return failures;
  }

  async function sendRound(pending: readonly Slot<E>[], signal: AbortSignal | undefined) {
    const chunks = chunkBySize(pending, slotSize, limits);
    const bases: number[] = [];
    let offset = 0;
    for (const c of chunks) {
      bases.push(offset);
      offset += c.length;
    }
    const results = await mapConcurrent(chunks, concurrency, (chunk, i) =>
      sendChunk(chunk, bases[i]!, signal),
    );
    return results.flat();
  }

  return async (items, budget = {}) => {
    const refused: SinkFailure[] = [];
    const slots: Slot<E>[] = [];
    const byKey = key === undefined ? null : new Map<string, Slot<E>>();
    for (let index = 0; index < items.length; index++) {
      const prepared = spec.prepare(items[index]!, index);
      if (prepared instanceof Refusal) {
        refused.push({ index, reason: prepared.reason, retryable: false, permanent: true });
        continue;
      }
      const mine: Slot<E>[] = [];
      let refusal: string | null = null;
      for (const entry of prepared) {
        const bytes = size(entry);
        if (bytes > maxEntryBytes) {
          refusal = tooLarge(bytes, maxEntryBytes);
          break;
        }
        mine.push({ entry, size: bytes, owners: [index] });
      }
      if (refusal !== null) {
        refused.push({ index, reason: refusal, retryable: false, permanent: true });
        continue;
      }
      if (byKey === null) {
        for (const s of mine) slots.push(s);
        continue;
      }
      for (const s of mine) {
        const k = key!(s.entry);
        const earlier = byKey.get(k);
        // The last entry of a key is sent, at its own place in the order.
        if (earlier !== undefined) {
          byKey.delete(k);
          for (const owner of earlier.owners) if (owner !== index) s.owners.unshift(owner);
        }
        byKey.set(k, s);
      }
    }
    if (byKey !== null) for (const s of byKey.values()) slots.push(s);

    const outcome =
      slots.length === 0
        ? { failed: [], attempts: 0 }
        : await retryPending(slots, (pending) => sendRound(pending, budget.signal), spec.retry, budget);

    // An item fails when any of its entries failed; it is reported once, with the first reason.
    const failed = refused;
    const reported = new Set<number>(refused.map((f) => f.index));
    for (const f of outcome.failed) {
      for (const index of slots[f.index]!.owners) {
        if (reported.has(index)) continue;
        reported.add(index);
        failed.push({ index, reason: f.reason, retryable: f.retryable });
      }
    }
    failed.sort((a, b) => a.index - b.index);
    return { written: items.length - failed.length, failed, attempts: outcome.attempts };
  };
}

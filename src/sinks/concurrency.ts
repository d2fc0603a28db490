/**
 * Runs async work over items with at most `limit` in flight: the AWS sinks send their chunks
 * (PutRecords, BatchWriteItem) a few at a time, so a 10,000-record batch costs a few round trips,
 * not twenty, without opening a connection per chunk.
 */

/** Calls in flight per sink write, by default. */
export const DEFAULT_CONCURRENCY = 4;

/**
 * Applies `fn` to every item, at most `limit` at a time; results in input order.
 *
 * @example
 * const results = await mapConcurrent(chunks, 4, (chunk) => send(chunk));
 */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}

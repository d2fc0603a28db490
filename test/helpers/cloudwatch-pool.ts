/** CloudWatch's percentile over a pool of values and counts, for tests of what the metric sinks send. */

/**
 * The weighted nearest rank: the smallest value whose cumulative count reaches q x total (for n
 * values of count 1, the value of rank ceil(q n)).
 *
 * @example
 * weightedPercentile([10, 20, 30], [1, 1, 2], 0.5); // 20
 */
export function weightedPercentile(values: readonly number[], counts: readonly number[], q: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  let total = 0;
  for (const c of counts) total += c;
  // Relative slack: sampled counts are 100 / rate, their sums inexact in the last bits.
  const rank = q * total * (1 - 1e-12);
  let cum = 0;
  for (const i of order) {
    cum += counts[i]!;
    if (cum >= rank) return values[i]!;
  }
  return values[order[order.length - 1]!]!;
}

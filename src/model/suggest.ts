/** "Did you mean" for names a user typed: field names, option names, environment variables. */

/**
 * Levenshtein distance between two strings. For suggestions at construction, never per record.
 *
 * @example
 * editDistance('CFRT_SINK', 'CFRT_SINKS'); // 1
 */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `name` (case-insensitive), or null when none is close enough to be a
 * likely misspelling (within a third of the name's length, and at least 2 edits).
 *
 * @example
 * closestName('CFRT_DIMENSION', ['CFRT_DIMENSIONS', 'CFRT_FIELDS']); // 'CFRT_DIMENSIONS'
 */
export function closestName(name: string, candidates: readonly string[]): string | null {
  const lower = name.toLowerCase();
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestD) {
      best = c;
      bestD = d;
    }
  }
  return bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

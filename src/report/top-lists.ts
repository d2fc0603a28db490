/**
 * The top-N lists every report shows, in display order, from the totals summary.
 */
import { isbot } from 'isbot';
import type { TopEntry, WindowSummary } from '../aggregate/types.js';
import { topOf } from './report.js';

/** One titled top-N list. */
export interface TopList {
  id: string;
  title: string;
  /** What a key is, for column headers. */
  keyLabel: string;
  entries: TopEntry[];
}

/**
 * The lists, largest first, `limit` entries each; lists with no entry are left out. Bots are the
 * user agents `isbot` recognizes (counted from the same heavy hitters).
 *
 * @example
 * topLists(report.totals, 10).map((l) => l.title); // ['Paths', 'Miss paths', ...]
 */
export function topLists(totals: WindowSummary | null, limit: number): TopList[] {
  if (totals === null) return [];
  const t = totals.top;
  const lists: TopList[] = [
    { id: 'paths', title: 'Paths', keyLabel: 'path', entries: topOf(t.paths, limit) },
    { id: 'miss-paths', title: 'Miss paths', keyLabel: 'path', entries: topOf(t.missPaths, limit) },
    { id: 'error-paths', title: 'Error paths', keyLabel: 'path', entries: topOf(t.errorPaths, limit) },
    { id: 'clients', title: 'Clients', keyLabel: 'client', entries: topOf(t.clients, limit) },
    { id: 'countries', title: 'Countries', keyLabel: 'country', entries: topOf(t.countries, limit) },
    {
      id: 'edge-locations',
      title: 'Edge locations',
      keyLabel: 'edge location',
      entries: topOf(t.edgeLocations, limit),
    },
    {
      id: 'user-agents',
      title: 'User agents',
      keyLabel: 'user agent',
      entries: topOf(t.userAgents, limit),
    },
    {
      id: 'bots',
      title: 'Bots',
      keyLabel: 'user agent',
      entries: topOf(
        t.userAgents.filter((e) => e.key !== '' && e.key !== '-' && isbot(e.key)),
        limit,
      ),
    },
    { id: 'referers', title: 'Referers', keyLabel: 'referer', entries: topOf(t.referers, limit) },
  ];
  return lists.filter((l) => l.entries.length > 0);
}

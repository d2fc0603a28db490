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
  /** Entries carry per-entry figures (requests, error rate, hit ratio, bytes, p50 and p99). */
  figures: boolean;
  /** What the share column divides by: the totals' requests, or the list's own sum (names, codes). */
  shareOf: number;
}

/** Status codes as a top list (largest first, ties by code), `limit` entries. */
function statusCodeEntries(codes: Readonly<Record<string, number>>, limit: number): TopEntry[] {
  return Object.entries(codes)
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1))
    .slice(0, limit);
}

function sum(entries: readonly TopEntry[] | undefined): number {
  let n = 0;
  for (const e of entries ?? []) n += e.count;
  return n;
}

/**
 * The lists, largest first, `limit` entries each; lists with no entry are left out. Bots are the
 * names the enricher gave (`top.bots`); summaries without those (cells stored before them) fall
 * back to the user agents `isbot` recognizes, counted from the same heavy hitters.
 *
 * @example
 * topLists(report.totals, 10).map((l) => l.title); // ['Paths', 'Miss paths', ...]
 */
export function topLists(totals: WindowSummary | null, limit: number): TopList[] {
  if (totals === null) return [];
  const t = totals.top;
  const n = totals.requests;
  const withFigures = (entries: readonly TopEntry[]): TopEntry[] =>
    entries.slice(0, limit).map((e) => ({ ...e }));
  const hasFigures = (entries: readonly TopEntry[]) => entries.some((e) => e.figures !== undefined);
  const named = (id: string, title: string, keyLabel: string, entries: readonly TopEntry[] | undefined) => {
    const list = topOf(entries ?? [], limit);
    return { id, title, keyLabel, entries: list, figures: false, shareOf: sum(entries) };
  };
  const bots =
    t.bots !== undefined && t.bots.length > 0
      ? t.bots
      : t.userAgents.filter((e) => e.key !== '' && e.key !== '-' && isbot(e.key));
  const lists: TopList[] = [
    {
      id: 'paths',
      title: 'Paths',
      keyLabel: 'path',
      entries: withFigures(t.paths),
      figures: hasFigures(t.paths),
      shareOf: n,
    },
    {
      id: 'miss-paths',
      title: 'Miss paths',
      keyLabel: 'path',
      entries: withFigures(t.missPaths),
      figures: hasFigures(t.missPaths),
      shareOf: n,
    },
    {
      id: 'error-paths',
      title: 'Error paths',
      keyLabel: 'path',
      entries: topOf(t.errorPaths, limit),
      figures: false,
      shareOf: n,
    },
    {
      id: 'status-codes',
      title: 'Status codes',
      keyLabel: 'status',
      entries: statusCodeEntries(totals.statusCodes, limit),
      figures: false,
      shareOf: n,
    },
    {
      id: 'edge-locations',
      title: 'Edge locations',
      keyLabel: 'edge location',
      entries: withFigures(t.edgeLocations),
      figures: hasFigures(t.edgeLocations),
      shareOf: n,
    },
    {
      id: 'countries',
      title: 'Countries',
      keyLabel: 'country',
      entries: withFigures(t.countries),
      figures: hasFigures(t.countries),
      shareOf: n,
    },
    {
      id: 'clients',
      title: 'Clients',
      keyLabel: 'client',
      entries: withFigures(t.clients),
      figures: hasFigures(t.clients),
      shareOf: n,
    },
    named('browsers', 'Browsers', 'browser', t.browsers),
    named('operating-systems', 'Operating systems', 'operating system', t.operatingSystems),
    named('devices', 'Devices', 'device', t.devices),
    {
      ...named('bots', 'Bots', t.bots !== undefined && t.bots.length > 0 ? 'bot' : 'user agent', bots),
      shareOf: n,
    },
    {
      id: 'user-agents',
      title: 'User agents',
      keyLabel: 'user agent',
      entries: topOf(t.userAgents, limit),
      figures: false,
      shareOf: n,
    },
    {
      id: 'referers',
      title: 'Referers',
      keyLabel: 'referer',
      entries: topOf(t.referers, limit),
      figures: false,
      shareOf: n,
    },
  ];
  return lists.filter((l) => l.entries.length > 0);
}

/**
 * A window x dimension-values cell: the unit of state that is merged, stored and summarized.
 */
import { CACHE_CLASSES, type CacheClass, STATUS_CLASSES, type StatusClass } from '../model/classes.js';
import { DDSketch } from './ddsketch.js';
import { type EntryFigures, figuresQuantile, latencyBucket } from './entry-figures.js';
import { CellMergeError } from './errors.js';
import { HyperLogLog } from './hyperloglog.js';
import { type Counter, SpaceSaving } from './space-saving.js';
import type { LatencySummary, TopEntry, TopEntryFigures, WindowSummary } from './types.js';

/** One window x dimension-values cell: mergeable, serializable state. */
export interface WindowCell {
  /**
   * Identity: window start, window end and the dimension values, e.g.
   * `1740830400000/1740830460000/country=US&statusClass=2xx` (`.../` with no dimensions).
   * Cells with the same key merge; use it as a storage key.
   */
  readonly key: string;
  /** Window start, epoch ms (aligned to the window size). */
  readonly start: number;
  /** Window end (exclusive), epoch ms. */
  readonly end: number;
  /** Dimension name -> value; `{}` for the stream-wide cell. */
  readonly dimensions: Readonly<Record<string, string>>;
}

/** Options of `summarize`. */
export interface SummarizeOptions {
  /** Entries per top-N list, 1 to the cell's `topK`. Default 10. */
  readonly top?: number;
}

/** Entries per top-N list in a summary unless asked otherwise. */
export const DEFAULT_SUMMARY_TOP = 10;

/** The latency fields, in `Cell.latency` order. */
export const LATENCY_FIELDS = ['time-taken', 'time-to-first-byte', 'origin-fbl', 'origin-lbl'] as const;

/** The top-N lists, in `Cell.top` order. */
export const TOP_LISTS = [
  'paths',
  'missPaths',
  'errorPaths',
  'clients',
  'referers',
  'userAgents',
  'countries',
  'edgeLocations',
] as const satisfies readonly (keyof WindowSummary['top'])[];

/** The name of a top-N list every cell may keep (`TOP_LISTS`). */
export type TopListName = (typeof TOP_LISTS)[number];

/** Every list of `TOP_LISTS` as a bit mask (bit i: list i): what a cell keeps unless told otherwise. */
export const ALL_TOP_LISTS = (1 << 8) - 1;

/**
 * The user-agent lists (names the enricher gave, from `ua`), in `Cell.uaTop` order: a list of its
 * own so cells stored with eight lists read as they were.
 */
export const UA_TOP_LISTS = ['browsers', 'operatingSystems', 'devices', 'bots'] as const;

/**
 * The lists security findings read, in `Cell.findingTop` order, in the stream-wide cell only (like
 * the user-agent lists): autonomous systems by number (with per-entry figures, so an ASN's error
 * rate is known), and `<claimed crawler> <client>` for records whose user agent claims a crawler
 * from an address outside its published ranges. A list of their own, so cells stored without them
 * read and write as they did.
 */
export const FINDING_TOP_LISTS = ['asns', 'spoofedCrawlers'] as const;

export const TOP_ASNS = 0;
export const TOP_SPOOFED_CRAWLERS = 1;

export const TOP_PATHS = 0;
export const TOP_MISS_PATHS = 1;
export const TOP_ERROR_PATHS = 2;
export const TOP_CLIENTS = 3;
export const TOP_REFERERS = 4;
export const TOP_USER_AGENTS = 5;
export const TOP_COUNTRIES = 6;
export const TOP_EDGE_LOCATIONS = 7;

export const CACHE_MISS_INDEX = CACHE_CLASSES.indexOf('miss');
const CACHE_HIT_INDEX = CACHE_CLASSES.indexOf('hit');

/**
 * Sketch parameters of a cell; cells merge when their alphas agree (precision and topK fold down)
 * and their distinct-client sketches were hashed under the same key (`clientKeyId`).
 */
export interface CellParams {
  readonly alpha: number;
  readonly precision: number;
  readonly topK: number;
  /** The id of the key that hashed client addresses (see `createClientHasher`). */
  readonly clientKeyId: string;
}

/**
 * What one record contributes, computed once per record by the aggregator and added to each of
 * its cells (one per dimension set). Mutable and reused: the hot path allocates nothing.
 */
export interface RecordView {
  /** Weight: 100 / sampling rate. */
  w: number;
  /** Index into STATUS_CLASSES, -1 when unknown. */
  statusIndex: number;
  /** `sc-status`, or -1. */
  code: number;
  /** Index into CACHE_CLASSES, -1 when unknown. */
  cacheIndex: number;
  isError: boolean;
  bytesOut: number;
  bytesIn: number;
  /** In LATENCY_FIELDS order; NaN when absent. */
  readonly latency: [number, number, number, number];
  hasClient: boolean;
  hi: number;
  lo: number;
  /** The keyed hash of `cs-uri-query`, when the aggregator counts distinct queries and there is one. */
  hasQuery: boolean;
  qhi: number;
  qlo: number;
  /** -1 unknown (no user agent), 0 human, 1 bot. */
  bot: number;
  /** The record's timestamp, epoch ms (the cell keeps the first and the last it saw). */
  ts: number;
  /** The per-entry histogram bucket of `time-taken` (entry-figures.ts), set by `Cell.add`. */
  bucket: number;
  /** In UA_TOP_LISTS order, from the enricher's `ua` (null: nothing to count). */
  browser: string | null;
  os: string | null;
  device: string | null;
  botName: string | null;
  /**
   * In TOP_LISTS order (null: nothing to count); miss and error paths use `path`. `Cell.add`
   * replaces each with the equal string its list holds (a flat copy of its own), which the next
   * cells of the same record look up faster than the parser's slice of the line.
   */
  path: string | null;
  client: string | null;
  referer: string | null;
  userAgent: string | null;
  country: string | null;
  edgeLocation: string | null;
  /** In FINDING_TOP_LISTS order: the ASN as decimal text, `<crawler> <client>` of a spoofed crawler. */
  asn: string | null;
  spoofed: string | null;
  /**
   * Which of `path`, `client`, `referer`, `userAgent`, `country` and `edgeLocation` (bits `HELD_*`)
   * are already a string some list holds: the next cells add those with `addHeld`, and a cell
   * that has not seen the key keeps that string instead of a copy of its own (which the parser's
   * slice needs, so that no list keeps a line alive). The aggregator clears it per record.
   */
  held: number;
}

export const HELD_PATH = 1;
export const HELD_CLIENT = 2;
export const HELD_REFERER = 4;
export const HELD_USER_AGENT = 8;
export const HELD_COUNTRY = 16;
export const HELD_EDGE_LOCATION = 32;

/** A blank view for the aggregator to fill. */
export function createRecordView(): RecordView {
  return {
    w: 1,
    statusIndex: -1,
    code: -1,
    cacheIndex: -1,
    isError: false,
    bytesOut: 0,
    bytesIn: 0,
    latency: [Number.NaN, Number.NaN, Number.NaN, Number.NaN],
    hasClient: false,
    hi: 0,
    lo: 0,
    hasQuery: false,
    qhi: 0,
    qlo: 0,
    bot: -1,
    ts: Number.NaN,
    bucket: -1,
    browser: null,
    os: null,
    device: null,
    botName: null,
    path: null,
    client: null,
    referer: null,
    userAgent: null,
    country: null,
    edgeLocation: null,
    asn: null,
    spoofed: null,
    held: 0,
  };
}

/**
 * The implementation of `WindowCell`. Sketches are created on first use, so a cell that only
 * counts late or malformed lines costs a few hundred bytes.
 */
export class Cell implements WindowCell {
  readonly key: string;
  readonly start: number;
  readonly end: number;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly params: CellParams;
  requests = 0;
  bytesOut = 0;
  bytesIn = 0;
  readonly status = new Float64Array(STATUS_CLASSES.length);
  readonly cache = new Float64Array(CACHE_CLASSES.length);
  readonly codes = new Map<number, number>();
  bots = 0;
  /** Requests whose user agent was classified (the bot share's denominator). */
  uaKnown = 0;
  malformed = 0;
  late = 0;
  estimated = false;
  readonly latency: (DDSketch | null)[] = [null, null, null, null];
  clients: HyperLogLog | null = null;
  /**
   * Distinct query strings (keyed hashes), when the aggregator counts them (`countsQueries`); null
   * until the first query string. `queryKeyId` is the id of the key they were hashed under: like
   * distinct clients, sketches of different keys are never merged.
   */
  queries: HyperLogLog | null = null;
  queryKeyId: string;
  /** Whether distinct query strings were counted (a summary says 0 rather than nothing). */
  countsQueries = false;
  readonly top: (SpaceSaving | null)[] = [null, null, null, null, null, null, null, null];
  /** Browsers, operating systems, devices and bots by name (UA_TOP_LISTS order). */
  readonly uaTop: (SpaceSaving | null)[] = [null, null, null, null];
  /** ASNs and spoofed crawlers (FINDING_TOP_LISTS order), in the stream-wide cell only. */
  readonly findingTop: (SpaceSaving | null)[] = [null, null];
  /** The earliest and the latest record timestamp counted (NaN: none, or a cell stored without them). */
  first = Number.NaN;
  last = Number.NaN;
  /**
   * Which of `TOP_LISTS` this cell counts (bit i: list i): every one, or the aggregator's
   * `dimensionTopLists` in a dimension cell. Only adds read it; merges and reads take what is there.
   */
  lists = ALL_TOP_LISTS;
  /**
   * Whether paths, miss paths, clients, countries and edge locations keep per-entry figures
   * (entry-figures.ts): in the stream-wide cell only, which is what reports list, so dimension
   * cells (up to `maxCells` of them) cost what they did.
   */
  readonly figures: boolean;

  constructor(
    key: string,
    start: number,
    end: number,
    dimensions: Readonly<Record<string, string>>,
    params: CellParams,
  ) {
    this.key = key;
    this.start = start;
    this.end = end;
    this.dimensions = dimensions;
    this.params = params;
    this.queryKeyId = params.clientKeyId;
    this.figures = Object.keys(dimensions).length === 0;
  }

  #top(list: number): SpaceSaving {
    let s = this.top[list];
    if (s == null) {
      s = new SpaceSaving(this.params.topK);
      this.top[list] = s;
    }
    return s;
  }

  #uaTop(list: number): SpaceSaving {
    let s = this.uaTop[list];
    if (s == null) {
      s = new SpaceSaving(this.params.topK);
      this.uaTop[list] = s;
    }
    return s;
  }

  #findingTop(list: number): SpaceSaving {
    let s = this.findingTop[list];
    if (s == null) {
      s = new SpaceSaving(this.params.topK);
      this.findingTop[list] = s;
    }
    return s;
  }

  /**
   * Frees what only further adds would use (top-N keys past `topK`, sketch slack), for a cell that
   * is kept after its window closed; what summaries, merges and serialization see is unchanged.
   */
  compact(): this {
    for (const s of this.latency) s?.compact();
    for (const t of this.top) t?.compact();
    for (const t of this.uaTop) t?.compact();
    for (const t of this.findingTop) t?.compact();
    return this;
  }

  /** Counts one record. */
  add(v: RecordView): void {
    const w = v.w;
    if (w !== 1) this.estimated = true;
    this.requests += w;
    this.bytesOut += v.bytesOut * w;
    this.bytesIn += v.bytesIn * w;
    if (v.statusIndex >= 0) this.status[v.statusIndex]! += w;
    if (v.code >= 0) this.codes.set(v.code, (this.codes.get(v.code) ?? 0) + w);
    if (v.cacheIndex >= 0) this.cache[v.cacheIndex]! += w;
    if (v.bot >= 0) {
      this.uaKnown += w;
      if (v.bot === 1) this.bots += w;
    }
    const lat = v.latency;
    for (let i = 0; i < 4; i++) {
      const x = lat[i]!;
      if (x >= 0) {
        let s = this.latency[i];
        if (s == null) {
          s = new DDSketch(this.params.alpha);
          this.latency[i] = s;
        }
        s.add(x, w);
      }
    }
    if (v.hasClient) {
      if (this.clients === null) this.clients = new HyperLogLog(this.params.precision);
      this.clients.add(v.hi, v.lo);
    }
    if (v.hasQuery) {
      if (this.queries === null) this.queries = new HyperLogLog(this.params.precision);
      this.queries.add(v.qhi, v.qlo);
    }
    // Each list returns the equal string it holds (a flat copy of its own): the path's other lists
    // and the next cells of this record look that up instead of the parser's slice of the line
    // (a hit costs a fifth as much, measured) and keep it without copying it again.
    const ts = v.ts;
    if (ts < this.first || Number.isNaN(this.first)) this.first = ts;
    if (ts > this.last || Number.isNaN(this.last)) this.last = ts;
    let o: RecordView | undefined;
    if (this.figures) {
      v.bucket = latencyBucket(lat[0]!);
      o = v;
    }
    if (this.lists !== 0) this.#topLists(v, this.lists, w, o);
    // By name, like the per-entry figures, in the stream-wide cell only (what reports list): four
    // more lists in every dimension cell cost the pipeline with dimension sets about a fifth.
    if (v.bot >= 0 && this.figures) {
      if (v.browser !== null) v.browser = this.#uaTop(0).add(v.browser, w);
      if (v.os !== null) v.os = this.#uaTop(1).add(v.os, w);
      if (v.device !== null) v.device = this.#uaTop(2).add(v.device, w);
      if (v.botName !== null) v.botName = this.#uaTop(3).add(v.botName, w);
    }
    // The same for what findings read: nothing to do (two null tests) without an `asn` field or
    // a spoofed crawler. ASNs keep per-entry figures, like clients, for an ASN's error rate.
    if (this.figures) {
      if (v.asn !== null) v.asn = this.#findingTop(TOP_ASNS).add(v.asn, w, o);
      if (v.spoofed !== null) v.spoofed = this.#findingTop(TOP_SPOOFED_CRAWLERS).add(v.spoofed, w);
    }
  }

  /** The top-N lists of mask `m` (every one, or a dimension cell's `dimensionTopLists`). */
  #topLists(v: RecordView, m: number, w: number, o: RecordView | undefined): void {
    const path = v.path;
    if (path !== null) {
      // The held string of one list is a flat copy the next may keep as it is (`addHeld`).
      let key = path;
      let flat = (v.held & HELD_PATH) !== 0;
      if ((m & (1 << TOP_PATHS)) !== 0) {
        const s = this.#top(TOP_PATHS);
        key = flat ? s.addHeld(key, w, o) : s.add(key, w, o);
        flat = true;
      }
      if (v.cacheIndex === CACHE_MISS_INDEX && (m & (1 << TOP_MISS_PATHS)) !== 0) {
        const s = this.#top(TOP_MISS_PATHS);
        key = flat ? s.addHeld(key, w, o) : s.add(key, w, o);
        flat = true;
      }
      if (v.isError && (m & (1 << TOP_ERROR_PATHS)) !== 0) {
        const s = this.#top(TOP_ERROR_PATHS);
        key = flat ? s.addHeld(key, w) : s.add(key, w);
        flat = true;
      }
      v.path = key;
      if (flat) v.held |= HELD_PATH;
    }
    if (v.client !== null && (m & (1 << TOP_CLIENTS)) !== 0)
      v.client = this.#addKey(TOP_CLIENTS, v.client, HELD_CLIENT, v, w, o);
    if (v.referer !== null && (m & (1 << TOP_REFERERS)) !== 0)
      v.referer = this.#addKey(TOP_REFERERS, v.referer, HELD_REFERER, v, w, undefined);
    if (v.userAgent !== null && (m & (1 << TOP_USER_AGENTS)) !== 0)
      v.userAgent = this.#addKey(TOP_USER_AGENTS, v.userAgent, HELD_USER_AGENT, v, w, undefined);
    if (v.country !== null && (m & (1 << TOP_COUNTRIES)) !== 0)
      v.country = this.#addKey(TOP_COUNTRIES, v.country, HELD_COUNTRY, v, w, o);
    if (v.edgeLocation !== null && (m & (1 << TOP_EDGE_LOCATIONS)) !== 0)
      v.edgeLocation = this.#addKey(TOP_EDGE_LOCATIONS, v.edgeLocation, HELD_EDGE_LOCATION, v, w, o);
  }

  /**
   * Counts `key` in top list `list`: with `addHeld` when another list already holds it (bit `held`
   * of `v.held`), else with `add`, which copies it; either way the list's string is returned and
   * the bit set for the record's next cells.
   */
  #addKey(
    list: number,
    key: string,
    held: number,
    v: RecordView,
    w: number,
    o: RecordView | undefined,
  ): string {
    const s = this.#top(list);
    const kept = (v.held & held) !== 0 ? s.addHeld(key, w, o) : s.add(key, w, o);
    v.held |= held;
    return kept;
  }
}

function asCell(c: WindowCell, role: string): Cell {
  if (!(c instanceof Cell)) {
    throw new CellMergeError(
      `${role} is not a cell made by this library (use createAggregator().cells() or deserializeCell()).`,
    );
  }
  return c;
}

/**
 * Merges two cells with the same key into a new cell (the inputs are not changed). Associative and
 * commutative; equals the cell of the union of both inputs' records: exactly for counts, within
 * the sketches' bounds for quantiles, distinct clients and top-N lists. Sketches built with
 * different HyperLogLog precisions or `topK` fold to the smaller; different `quantileAlpha` values
 * cannot be merged (`CellMergeError`).
 *
 * @example
 * const merged = mergeCells(fromShardA, fromShardB);
 * summarize(merged).requests; // a.requests + b.requests
 */
export function mergeCells(a: WindowCell, b: WindowCell): WindowCell {
  const x = asCell(a, 'The first cell');
  const y = asCell(b, 'The second cell');
  if (x.key !== y.key) {
    throw new CellMergeError(`Cells with different keys do not merge: ${x.key} and ${y.key}.`);
  }
  return mergeAs(x.key, x.start, x.end, [x, y]);
}

/** The union of the cells' records (at least one cell) as a new cell with the given identity. */
function mergeAs(
  key: string,
  start: number,
  end: number,
  cells: readonly Cell[],
  maxTopK = Number.POSITIVE_INFINITY,
): Cell {
  const x = cells[0]!;
  let precision = x.params.precision;
  let topK = Math.min(x.params.topK, maxTopK);
  for (const y of cells) {
    if (y.params.alpha !== x.params.alpha) {
      throw new CellMergeError(
        `Cells ${x.key} and ${y.key} were built with different quantileAlpha (${x.params.alpha} and ${y.params.alpha}); latency sketches of different accuracies do not merge.`,
      );
    }
    precision = Math.min(precision, y.params.precision);
    topK = Math.min(topK, y.params.topK);
  }
  // Hashes under different keys are different numbers for the same client: a union would count
  // it twice (a key id is all that tells them apart). Sketches are merged per key, and the cell
  // keeps the key whose union is largest: a lower bound of the distinct clients, never a double
  // count. That happens only across a key change (a rotation, or state written before keyed
  // hashing); with one key, as a deployment has, it is the exact union. Cells without clients carry none.
  // Distinct query strings follow the same rule, on their own (their key id is stored with them).
  const [clients, clientKeyId] = unionByKey(cells.map((c) => [c.clients, c.params.clientKeyId]));
  const [queries, queryKeyId] = unionByKey(cells.map((c) => [c.queries, c.queryKeyId]));
  const out = new Cell(key, start, end, x.dimensions, {
    alpha: x.params.alpha,
    precision,
    topK,
    clientKeyId: clientKeyId ?? x.params.clientKeyId,
  });
  for (const y of cells) {
    out.requests += y.requests;
    out.bytesOut += y.bytesOut;
    out.bytesIn += y.bytesIn;
    for (let i = 0; i < out.status.length; i++) out.status[i]! += y.status[i]!;
    for (let i = 0; i < out.cache.length; i++) out.cache[i]! += y.cache[i]!;
    for (const [code, n] of y.codes) out.codes.set(code, (out.codes.get(code) ?? 0) + n);
    out.bots += y.bots;
    out.uaKnown += y.uaKnown;
    out.malformed += y.malformed;
    out.late += y.late;
    out.estimated ||= y.estimated;
    if (y.first < out.first || Number.isNaN(out.first)) out.first = y.first;
    if (y.last > out.last || Number.isNaN(out.last)) out.last = y.last;
  }
  for (let i = 0; i < out.latency.length; i++) {
    const sketches = present(cells.map((c) => c.latency[i] ?? null));
    out.latency[i] = sketches.length === 0 ? null : DDSketch.mergeAll(sketches);
  }
  out.clients = clients;
  out.queries = queries;
  out.queryKeyId = queryKeyId ?? out.params.clientKeyId;
  out.countsQueries = cells.some((c) => c.countsQueries);
  for (let i = 0; i < out.top.length; i++) {
    const lists = present(cells.map((c) => c.top[i] ?? null));
    // A cell without the list counted nothing in it: an empty summary of the output's size.
    out.top[i] = lists.length === 0 ? null : SpaceSaving.mergeAll([...lists, new SpaceSaving(topK)]);
  }
  for (let i = 0; i < out.uaTop.length; i++) {
    const lists = present(cells.map((c) => c.uaTop[i] ?? null));
    out.uaTop[i] = lists.length === 0 ? null : SpaceSaving.mergeAll([...lists, new SpaceSaving(topK)]);
  }
  for (let i = 0; i < out.findingTop.length; i++) {
    const lists = present(cells.map((c) => c.findingTop[i] ?? null));
    out.findingTop[i] = lists.length === 0 ? null : SpaceSaving.mergeAll([...lists, new SpaceSaving(topK)]);
  }
  return out;
}

/**
 * The union of the sketches hashed under the key whose union is largest, and that key's id: never
 * a union across keys (one client, or query, would count once per key).
 */
function unionByKey(
  sketches: readonly (readonly [HyperLogLog | null, string])[],
): [HyperLogLog | null, string | null] {
  const byKey = new Map<string, HyperLogLog[]>();
  for (const [sketch, id] of sketches) {
    if (sketch === null) continue;
    const group = byKey.get(id);
    if (group === undefined) byKey.set(id, [sketch]);
    else group.push(sketch);
  }
  let keyId: string | null = null;
  let best: HyperLogLog | null = null;
  for (const [id, group] of byKey) {
    const union = HyperLogLog.mergeAll(group);
    if (best === null || union.estimate() > best.estimate()) {
      best = union;
      keyId = id;
    }
  }
  return [best, keyId];
}

function present<T>(items: readonly (T | null)[]): T[] {
  return items.filter((x): x is T => x !== null);
}

/** Options of `rollUp`. */
export interface RollUpOptions {
  /**
   * Re-window into windows of this many seconds (aligned to the epoch, a multiple of every input
   * cell's window). Default: one window from the earliest start to the latest end.
   */
  readonly windowSeconds?: number;
}

/** The dimension part of a cell key (`start/end/<this>`). */
function dimensionsKey(key: string): string {
  return key.slice(key.indexOf('/', key.indexOf('/') + 1) + 1);
}

/**
 * Rolls cells up across windows: cells with the same dimension values merge into one cell per
 * coarser window (`windowSeconds`), or into one cell spanning all their windows (the totals of a
 * stream). Exact for counts, within the sketches' bounds for the rest, like `mergeCells`; the
 * result does not depend on the order of `cells`. Returned cells are new (inputs unchanged), ordered
 * by start then key. Throws `CellMergeError` when a cell's window does not fit in one output window.
 *
 * @example
 * const [totals] = rollUp(aggregator.drain().filter((c) => Object.keys(c.dimensions).length === 0));
 * const hourly = rollUp(minuteCells, { windowSeconds: 3600 });
 */
export function rollUp(cells: readonly WindowCell[], options: RollUpOptions = {}): WindowCell[] {
  const size = options.windowSeconds;
  if (size !== undefined && !(Number.isInteger(size) && size > 0)) {
    throw new CellMergeError(`rollUp windowSeconds must be a positive integer; got ${size}.`);
  }
  const sizeMs = size === undefined ? 0 : size * 1000;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const c of cells) {
    if (c.start < first) first = c.start;
    if (c.end > last) last = c.end;
  }
  const groups = new Map<string, { start: number; end: number; cells: Cell[] }>();
  for (const c of cells) {
    const cell = asCell(c, 'A cell');
    let start = first;
    let end = last;
    if (sizeMs > 0) {
      start = cell.start - (((cell.start % sizeMs) + sizeMs) % sizeMs);
      end = start + sizeMs;
      if (cell.end > end) {
        throw new CellMergeError(
          `Cell ${cell.key} spans more than one ${size}-second window: roll up to a multiple of its window.`,
        );
      }
    }
    const key = `${start}/${end}/${dimensionsKey(cell.key)}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, { start, end, cells: [cell] });
    else group.cells.push(cell);
  }
  const out: Cell[] = [];
  for (const [key, g] of groups) out.push(mergeAs(key, g.start, g.end, g.cells));
  return out.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/**
 * Compacts a cell that will not be added to again (a drained one), in place, and returns it: top-N
 * lists folded to their `topK` counters (a live list holds up to 4 x topK keys between folds),
 * sketch stores trimmed. Summaries, merges and serialization see the same cell.
 */
export function compactCell(cell: WindowCell): WindowCell {
  return asCell(cell, 'The cell').compact();
}

/**
 * Drops what only a running total shows (per-entry figures, and the stream-wide-only lists: user
 * agents by name, ASNs, spoofed crawlers), in place, and returns the cell: for a cell kept only
 * for its own window's row once it was merged into a running total that keeps them (`cfrt
 * analyze` keeps every closed window). Counts, sketches (distinct clients and queries included)
 * and the other top-N counters are unchanged.
 */
export function dropEntryFigures(cell: WindowCell): WindowCell {
  const c = asCell(cell, 'The cell');
  for (const t of c.top) t?.dropFigures();
  c.uaTop.fill(null);
  c.findingTop.fill(null);
  return c;
}

function latencySummary(s: DDSketch | null): LatencySummary {
  if (s === null || s.count === 0) {
    return { count: 0, min: null, max: null, p50: null, p90: null, p95: null, p99: null };
  }
  return {
    count: s.count,
    min: s.min,
    max: s.max,
    p50: s.quantile(0.5),
    p90: s.quantile(0.9),
    p95: s.quantile(0.95),
    p99: s.quantile(0.99),
  };
}

function entryFigures(f: EntryFigures): TopEntryFigures {
  return {
    requests: f.n,
    errors: f.errors,
    errorRate: f.n > 0 ? f.errors / f.n : null,
    cacheHitRatio: f.hits + f.misses > 0 ? f.hits / (f.hits + f.misses) : null,
    bytesOut: f.bytesOut,
    p50: figuresQuantile(f, 0.5),
    p90: figuresQuantile(f, 0.9),
    p99: figuresQuantile(f, 0.99),
  };
}

function topEntries(s: SpaceSaving | null, n: number): TopEntry[] {
  if (s === null) return [];
  return s
    .counters()
    .slice(0, n)
    .map((c: Counter) =>
      c.figures === undefined
        ? { key: c.key, count: c.count, error: c.error }
        : { key: c.key, count: c.count, error: c.error, figures: entryFigures(c.figures) },
    );
}

/**
 * The plain-object summary of a cell: counts, ratios, latency quantiles (nearest rank,
 * within `quantileAlpha` relative error), distinct clients, top-N lists (largest first, ties by key).
 *
 * @example
 * const s = summarize(cell, { top: 5 });
 * console.log(s.requests, s.timeTaken.p99, s.top.paths);
 */
export function summarize(cell: WindowCell, options: SummarizeOptions = {}): WindowSummary {
  const c = asCell(cell, 'The cell');
  const n = Math.max(1, Math.floor(options.top ?? DEFAULT_SUMMARY_TOP));
  const status = {} as Record<StatusClass, number>;
  STATUS_CLASSES.forEach((k, i) => {
    status[k] = c.status[i]!;
  });
  const cache = {} as Record<CacheClass, number>;
  CACHE_CLASSES.forEach((k, i) => {
    cache[k] = c.cache[i]!;
  });
  const statusCodes: Record<string, number> = {};
  for (const code of [...c.codes.keys()].sort((p, q) => p - q)) {
    statusCodes[String(code).padStart(3, '0')] = c.codes.get(code)!;
  }
  const hit = c.cache[CACHE_HIT_INDEX]!;
  const miss = c.cache[CACHE_MISS_INDEX]!;
  const rate = (k: StatusClass): number | null => (c.requests > 0 ? status[k] / c.requests : null);
  const top = {} as WindowSummary['top'];
  TOP_LISTS.forEach((name, i) => {
    top[name] = topEntries(c.top[i] ?? null, n);
  });
  UA_TOP_LISTS.forEach((name, i) => {
    top[name] = topEntries(c.uaTop[i] ?? null, n);
  });
  // Only where counted: a summary of a cell without them (no `asn` field, no spoofed crawler,
  // written before them) is what it was.
  FINDING_TOP_LISTS.forEach((name, i) => {
    const list = c.findingTop[i] ?? null;
    if (list !== null) top[name] = topEntries(list, n);
  });
  const summary: WindowSummary = {
    start: c.start,
    end: c.end,
    dimensions: { ...c.dimensions },
    requests: c.requests,
    bytesOut: c.bytesOut,
    bytesIn: c.bytesIn,
    status,
    statusCodes,
    cache,
    cacheHitRatio: hit + miss > 0 ? hit / (hit + miss) : null,
    errorRates: { '4xx': rate('4xx'), '5xx': rate('5xx'), '000': rate('000') },
    botShare: c.uaKnown > 0 ? c.bots / c.uaKnown : null,
    timeTaken: latencySummary(c.latency[0] ?? null),
    timeToFirstByte: latencySummary(c.latency[1] ?? null),
    originFbl: latencySummary(c.latency[2] ?? null),
    originLbl: latencySummary(c.latency[3] ?? null),
    uniqueClients: c.clients?.estimate() ?? 0,
    firstSeen: Number.isNaN(c.first) ? null : c.first,
    lastSeen: Number.isNaN(c.last) ? null : c.last,
    top,
    malformed: c.malformed,
    late: c.late,
    estimated: c.estimated,
  };
  if (c.countsQueries || c.queries !== null) summary.uniqueQueries = c.queries?.estimate() ?? 0;
  return summary;
}

/**
 * A copy of a cell whose top-N lists keep at most `topK` counters (the largest), for a cell that
 * must fit a size limit (a DynamoDB item): Space-Saving's guarantees hold at the smaller k (every
 * key missing from a full list counted at most its smallest counter), and cells merged with it
 * fold to the smaller k. Everything else is copied unchanged.
 */
export function withTopK(cell: WindowCell, topK: number): WindowCell {
  const c = asCell(cell, 'The cell');
  return mergeAs(c.key, c.start, c.end, [c], Math.max(1, Math.floor(topK)));
}

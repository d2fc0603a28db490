/** The aggregator: folds records into window x dimension cells. */
import { truncateIp } from '../enrich/ip.js';
import { defaultSecretNameMatcher, redactUrlQuery } from '../enrich/redact.js';
import { CACHE_CLASSES, type CacheClass, STATUS_CLASSES, type StatusClass } from '../model/classes.js';
import { blankFieldKeys, deriveFieldKeys, type FieldKeys } from '../model/derive.js';
import {
  Cell,
  type CellParams,
  createRecordView,
  type RecordView,
  TOP_LISTS,
  type WindowCell,
} from './cell.js';
import { type ClientHasher, createClientHasher, ephemeralClientHasher } from './client-key.js';
import { normalizeDimensionValue } from './dimension-value.js';
import { flatCopy } from './flat-copy.js';
import {
  type AggregatorOptions,
  DIMENSION_NAMES,
  type DimensionName,
  type ResolvedAggregatorOptions,
  resolveAggregatorOptions,
} from './options.js';
import type { AggregatableRecord } from './record.js';

/**
 * What `add` did with a record:
 * - `added`: counted in its window's cells;
 * - `late`: counted in its window's cells like any other record, but its window had closed (window
 *   end + allowed lateness <= watermark), so those cells may be a fragment to merge into the
 *   window's earlier cells (see `createAggregator`); also counted in the cells' `late` figure;
 * - `untimed`: no usable `timestamp`, so no window: counted in `stats().untimed`;
 * - `implausible`: a timestamp outside the `timeRange` option: in no window, never moving the
 *   watermark, counted in `stats().implausible` (the adapter quarantines it with its reason);
 * - `overflow`: its window would be one more than `maxWindows` open at once: in no window, counted
 *   in `stats().overflow` (the adapter quarantines it, or drains sooner).
 */
export type AddOutcome = 'added' | 'late' | 'untimed' | 'implausible' | 'overflow';

/** Aggregator-wide counters: what could not be attributed to any window. */
export interface AggregatorStats {
  /** Records counted in a window (`added` and `late`). */
  readonly records: number;
  /** Of those, records whose window had closed when they arrived. */
  readonly late: number;
  /** Records without a usable timestamp (not in any window). */
  readonly untimed: number;
  /** Records whose timestamp was outside `timeRange` (not in any window). */
  readonly implausible: number;
  /** Records whose window would have exceeded `maxWindows` (not in any window). */
  readonly overflow: number;
  /**
   * Records counted in their window's stream-wide cell but not in some dimension cell, because
   * `maxCells` cells were open and that cell did not exist yet.
   */
  readonly cellOverflow: number;
  /** Windows open now, and the dimension cells in them (state held in memory). */
  readonly openWindows: number;
  readonly openCells: number;
  /** Malformed lines in a window (their timestamp was readable). */
  readonly malformed: number;
  /** Malformed lines without a readable timestamp (not in any window). */
  readonly malformedUntimed: number;
}

/** Folds records into cells. Build once per stream (or per invocation). */
export interface Aggregator {
  /** The options in force, defaults applied (without the client key). */
  readonly options: ResolvedAggregatorOptions;
  /**
   * The id of the key that hashes client addresses (`clientKey`; `ephemeral:...` without one):
   * stored with each distinct-client sketch, so sketches of different keys are never merged.
   */
  readonly clientKeyId: string;
  /** Counts a parsed or derived record. */
  add(record: AggregatableRecord): AddOutcome;
  /** Counts a malformed line, in its window when its timestamp (epoch ms) was readable. */
  addMalformed(timestampMs: number | null): void;
  /** The current cells (not removed), ordered by start then key. */
  cells(): WindowCell[];
  /** The largest event time seen or advanced to (epoch ms), or null. */
  watermark(): number | null;
  /** Moves the watermark forward (e.g. to a watermark stored by an earlier invocation); never back. */
  advanceWatermark(timestampMs: number): void;
  /** Removes and returns the cells of closed windows (end + allowed lateness <= watermark). */
  drainClosed(): WindowCell[];
  /** Removes and returns every cell. */
  drain(): WindowCell[];
  /** Aggregator-wide counters. */
  stats(): AggregatorStats;
}

/** The value of a dimension the record does not carry. */
export const UNKNOWN_VALUE = 'unknown';
/** The value dimension values fold into past their cardinality limit. */
export const OTHER_VALUE = 'other';
/**
 * Top-N keys (paths, user agents, referrers) are cut to this many UTF-16 code units, so a cell's
 * size is bounded by configuration: 8 lists x 100 counters x 128 units stays far below DynamoDB's
 * 400 KB item limit even in 3-byte UTF-8. Cut keys end with `…`.
 */
export const MAX_KEY_LENGTH = 128;

function cut(key: string | null | undefined): string | null {
  if (key === null || key === undefined || key === '') return null;
  if (key.length <= MAX_KEY_LENGTH) return key;
  let end = MAX_KEY_LENGTH - 1;
  // Do not split a surrogate pair.
  const c = key.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${key.slice(0, end)}…`;
}

/** Spoofed-crawler keys are `<crawler> <client>`; this stands for a client the enricher could not protect. */
const NO_CLIENT = UNKNOWN_VALUE;

/** Largest autonomous system number (32-bit, RFC 6793); other values are not ASNs and are not listed. */
export const MAX_ASN = 4_294_967_295;

/**
 * Decimal texts of ASNs kept per aggregator, so the ASN list looks up a string it holds rather
 * than one made per record (a stream sees a few thousand ASNs); past it, texts are made as needed.
 */
const ASN_TEXT_CACHE = 16_384;

const STATUS_INDEX = new Map<StatusClass, number>(STATUS_CLASSES.map((c, i) => [c, i]));
const CACHE_INDEX = new Map<CacheClass, number>(CACHE_CLASSES.map((c, i) => [c, i]));

/**
 * A record's keys as the aggregator counts them: the record's own derived keys where it has them,
 * `deriveFieldKeys` of its fields where it does not (a plain parsed record), so an enriched record
 * and a plain one land in the same cells by construction. `path` is protected.
 */
type RecordKeys = Pick<FieldKeys, 'statusClass' | 'isError' | 'cacheClass' | 'path' | 'airport'>;

type Extractor = (r: AggregatableRecord, k: RecordKeys) => string | null | undefined;

/**
 * A URL or path as an aggregate may show it, for a record no enricher protected (no `referer` or
 * `url` key): the built-in credential rule applied to its query, fragment and matrix values.
 */
function protectedUrl(url: string | null | undefined): string | null | undefined {
  if (url === null || url === undefined || url.indexOf('=') === -1) return url;
  return redactUrlQuery(url, defaultSecretNameMatcher());
}

/**
 * The client of a record no enricher protected (no `client` key): the default policy's truncation
 * (IPv4 /24, IPv6 /48), `null` for text that is not an address. Never the raw address.
 */
function defaultClient(ip: string | null | undefined): string | null {
  return ip === null || ip === undefined || ip === '' ? null : truncateIp(ip);
}

const EXTRACTORS: Readonly<Record<DimensionName, Extractor>> = {
  host: (r) => r['cs-host'],
  distribution: (r) => r['x-host-header'],
  edgeLocation: (r) => r['x-edge-location'],
  airport: (_, k) => k.airport,
  country: (r) => r.geo?.country ?? r['c-country'],
  behavior: (r) => r['cache-behavior-path-pattern'],
  statusClass: (_, k) => k.statusClass,
  device: (r) => r.ua?.device,
  cacheClass: (_, k) => k.cacheClass,
};

/** One dimension's admitted values in one window: raw value -> key fragment. */
interface DimensionValues {
  readonly name: DimensionName;
  readonly limit: number;
  readonly fragments: Map<string, string>;
  readonly unknown: string;
  readonly other: string;
}

interface WindowState {
  readonly start: number;
  readonly end: number;
  readonly prefix: string;
  /** Per dimension set: key fragment -> cell. */
  readonly cells: Map<string, Cell>[];
  /**
   * Per dimension set of two or more dimensions: the same cells by one fragment after the other
   * (nested Maps, the last level holding the cell), so a record finds its cell without joining its
   * fragments into a key (a string made and hashed per record and set); null for the other sets.
   */
  readonly nested: (Map<string, unknown> | null)[];
  /** Per DIMENSION_NAMES index (only the dimensions in use). */
  readonly values: (DimensionValues | null)[];
}

function fragment(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}`;
}

/**
 * Builds an aggregator. Options are validated here, once (`AggregatorOptionsError`).
 *
 * Windows are tumbling and aligned to the epoch (`start = floor(timestamp / size) * size`). The
 * watermark is the largest event time seen; a window closes when its end plus the allowed lateness
 * is at or before the watermark. A record for a closed window is *late*: it still counts in every
 * figure of its own window, never left out. If that window's cells were drained, new cells are
 * made for it: a fragment with the same keys, which `mergeCells` (or the DynamoDB state, merged on
 * read) folds into the earlier cells, so figures do not depend on arrival order. Lateness decides
 * only when a window's cells are complete enough to drain; `late` counts how many records came
 * after.
 *
 * @example
 * const agg = createAggregator({ windowSeconds: 60, dimensions: [[], ['country']] });
 * for (const r of records) agg.add(enricher.derive(r));
 * const summaries = agg.cells().map((c) => summarize(c));
 */
export function createAggregator(options: AggregatorOptions = {}): Aggregator {
  const resolved = resolveAggregatorOptions(options);
  const windowMs = resolved.windowSeconds * 1000;
  const latenessMs = resolved.allowedLatenessSeconds * 1000;
  const weight = 100 / resolved.samplingRate;
  const hasher: ClientHasher =
    options.clientKey === undefined ? ephemeralClientHasher() : createClientHasher(options.clientKey);
  const params: CellParams = {
    alpha: resolved.quantileAlpha,
    precision: resolved.hllPrecision,
    topK: resolved.topK,
    clientKeyId: hasher.keyId,
  };
  // Decided once: which dimensions are used, and each set as indexes into DIMENSION_NAMES.
  const sets = resolved.dimensions.map((set) => set.map((name) => DIMENSION_NAMES.indexOf(name)));
  const used = DIMENSION_NAMES.map((_, i) => sets.some((s) => s.includes(i)));
  const extractors = DIMENSION_NAMES.map((name) => EXTRACTORS[name]);
  const airportUsed = used[DIMENSION_NAMES.indexOf('airport')]!;

  const windows = new Map<number, WindowState>();
  let current: WindowState | null = null;
  let mark: number | null = null;
  let records = 0;
  let late = 0;
  let untimed = 0;
  let implausible = 0;
  let overflow = 0;
  let cellOverflow = 0;
  let openCells = 0;
  const { maxWindows, maxCells } = resolved;
  const { notBefore, notAfter } = resolved.timeRange;
  let malformed = 0;
  let malformedUntimed = 0;
  const view: RecordView = createRecordView();
  const hash = { hi: 0, lo: 0 };
  const countQueries = resolved.distinctQueries;
  // The lists dimension cells count, as the bit mask `Cell.lists` reads.
  let dimensionLists = 0;
  for (const name of resolved.dimensionTopLists) dimensionLists |= 1 << TOP_LISTS.indexOf(name);
  const asnTexts = new Map<number, string>();

  function asnText(asn: unknown): string | null {
    if (typeof asn !== 'number' || !Number.isInteger(asn) || asn < 0 || asn > MAX_ASN) return null;
    let text = asnTexts.get(asn);
    if (text === undefined) {
      text = String(asn);
      if (asnTexts.size < ASN_TEXT_CACHE) asnTexts.set(asn, text);
    }
    return text;
  }
  const frags: string[] = DIMENSION_NAMES.map(() => '');
  const keys: RecordKeys = blankFieldKeys();
  const fromFields: FieldKeys = blankFieldKeys();

  /** Fills `keys` for `r`: its derived keys, and `deriveFieldKeys` only when one is missing. */
  function resolveKeys(r: AggregatableRecord): void {
    const status = r.statusClass;
    const isError = r.isError;
    const cache = r.cacheClass;
    const url = r.url;
    const airport = r.edge?.airport ?? null;
    const d =
      status === undefined ||
      isError === undefined ||
      cache === undefined ||
      url === undefined ||
      (airportUsed && airport === null)
        ? deriveFieldKeys(r, fromFields)
        : null;
    keys.statusClass = status !== undefined ? status : d!.statusClass;
    keys.isError = isError !== undefined ? isError : d!.isError;
    keys.cacheClass = cache !== undefined ? cache : d!.cacheClass;
    // What top lists show is what an enricher protected (`url.path`); a record without it gets the
    // default policy here. Never the raw field.
    keys.path = url !== undefined ? url.path : (protectedUrl(d!.path) ?? null);
    keys.airport = airport ?? d?.airport ?? null;
  }

  /** The window of `ts`, made if needed; null when making it would exceed `maxWindows`. */
  function windowOf(ts: number): WindowState | null {
    const start = ts - (((ts % windowMs) + windowMs) % windowMs);
    if (current !== null && current.start === start) return current;
    let w = windows.get(start);
    if (w === undefined) {
      if (windows.size >= maxWindows) return null;
      w = {
        start,
        end: start + windowMs,
        prefix: `${start}/${start + windowMs}/`,
        cells: sets.map(() => new Map<string, Cell>()),
        nested: sets.map((set) => (set.length > 1 ? new Map<string, unknown>() : null)),
        values: DIMENSION_NAMES.map((name, i) =>
          used[i]
            ? {
                name,
                limit: resolved.cardinalityLimit[name],
                fragments: new Map<string, string>(),
                unknown: fragment(name, UNKNOWN_VALUE),
                other: fragment(name, OTHER_VALUE),
              }
            : null,
        ),
      };
      windows.set(start, w);
    }
    current = w;
    return w;
  }

  function fragmentOf(dv: DimensionValues, raw: string | null | undefined): string {
    if (raw === null || raw === undefined || raw === '') return dv.unknown;
    const f = dv.fragments.get(raw);
    if (f !== undefined) return f;
    // Normalized once per distinct raw value and window, never per record.
    const value = normalizeDimensionValue(raw);
    const made =
      value === null
        ? dv.unknown
        : dv.fragments.size >= dv.limit
          ? dv.other
          : flatCopy(fragment(dv.name, value));
    if (made === dv.other) return made;
    dv.fragments.set(flatCopy(raw), made);
    return made;
  }

  /** Fills `frags` for the used dimensions (from the record, or all unknown when `r` is null). */
  function computeFragments(w: WindowState, r: AggregatableRecord | null): void {
    for (let i = 0; i < used.length; i++) {
      const dv = w.values[i];
      if (dv == null) continue;
      frags[i] = r === null ? dv.unknown : fragmentOf(dv, extractors[i]!(r, keys));
    }
  }

  /**
   * The cell of set `setIndex` for the current fragments; null when it does not exist and
   * `maxCells` are open (a window's stream-wide cell is always made: windows are bounded).
   */
  function cellFor(w: WindowState, setIndex: number): Cell | null {
    const set = sets[setIndex]!;
    const nested = w.nested[setIndex]!;
    if (nested !== null) {
      // Fragments are the window's own strings (fragmentOf): each level is a lookup by identity.
      let node: Map<string, unknown> | undefined = nested;
      const last = set.length - 1;
      for (let j = 0; j < last && node !== undefined; j++) {
        node = node.get(frags[set[j]!]!) as Map<string, unknown> | undefined;
      }
      const found = node?.get(frags[set[last]!]!) as Cell | undefined;
      if (found !== undefined) return found;
    }
    let key = '';
    for (let j = 0; j < set.length; j++) key = j === 0 ? frags[set[j]!]! : `${key}&${frags[set[j]!]!}`;
    const map = w.cells[setIndex]!;
    let cell = map.get(key);
    if (cell === undefined) {
      if (set.length > 0) {
        if (openCells >= maxCells) return null;
        openCells++;
      }
      const dimensions: Record<string, string> = {};
      for (const i of set) {
        const f = frags[i]!;
        dimensions[DIMENSION_NAMES[i]!] = decodeURIComponent(f.slice(f.indexOf('=') + 1));
      }
      cell = new Cell(`${w.prefix}${key}`, w.start, w.end, dimensions, params);
      cell.countsQueries = countQueries;
      if (set.length > 0) cell.lists = dimensionLists;
      map.set(key, cell);
      if (nested !== null) {
        let node = nested;
        const last = set.length - 1;
        for (let j = 0; j < last; j++) {
          const f = frags[set[j]!]!;
          let next = node.get(f) as Map<string, unknown> | undefined;
          if (next === undefined) {
            next = new Map<string, unknown>();
            node.set(f, next);
          }
          node = next;
        }
        node.set(frags[set[last]!]!, cell);
      }
    }
    return cell;
  }

  function fillView(r: AggregatableRecord): void {
    const v = view;
    v.w = weight;
    const status = keys.statusClass;
    v.statusIndex = status === null ? -1 : (STATUS_INDEX.get(status) ?? -1);
    const code = r['sc-status'];
    v.code = typeof code === 'number' && code >= 0 && code <= 999 ? code : -1;
    const cache = keys.cacheClass;
    v.cacheIndex = cache === null ? -1 : (CACHE_INDEX.get(cache) ?? -1);
    v.isError = keys.isError;
    v.bytesOut = r['sc-bytes'] ?? 0;
    v.bytesIn = r['cs-bytes'] ?? 0;
    v.latency[0] = r['time-taken'] ?? Number.NaN;
    v.latency[1] = r['time-to-first-byte'] ?? Number.NaN;
    v.latency[2] = r['origin-fbl'] ?? Number.NaN;
    v.latency[3] = r['origin-lbl'] ?? Number.NaN;
    const ip = r['c-ip'];
    if (ip !== null && ip !== undefined && ip !== '') {
      hasher.hash(ip, hash);
      v.hasClient = true;
      v.hi = hash.hi;
      v.lo = hash.lo;
    } else {
      v.hasClient = false;
    }
    if (countQueries) {
      // Hashed under the client key, never unkeyed: a query string can hold personal data.
      const q = r['cs-uri-query'];
      if (typeof q === 'string' && q !== '' && q !== '-') {
        hasher.hash(q, hash);
        v.hasQuery = true;
        v.qhi = hash.hi;
        v.qlo = hash.lo;
      } else {
        v.hasQuery = false;
      }
    }
    v.asn = asnText(r.asn);
    // What top lists show is what an enricher protected (`client`, `referer`, and `url.path` in
    // `keys`); a record without those keys gets the default policy here. Never the raw field.
    // Fresh strings of this record: no list holds them yet (see `RecordView.held`).
    v.held = 0;
    v.path = cut(keys.path);
    v.client = cut(r.client !== undefined ? r.client : defaultClient(ip));
    const ua = r.ua;
    if (ua === undefined || ua === null) {
      v.bot = -1;
      v.spoofed = null;
    } else {
      v.bot = ua.isBot ? 1 : 0;
      v.browser = cut(ua.browser);
      v.os = cut(ua.os);
      v.device = ua.device;
      v.botName = ua.isBot ? cut(ua.botName) : null;
      // A new string for spoofed records only (rare, and what the list is for).
      v.spoofed =
        ua.crawler === 'spoofed' ? cut(`${ua.botName ?? UNKNOWN_VALUE} ${v.client ?? NO_CLIENT}`) : null;
    }
    v.referer = cut(r.referer !== undefined ? r.referer : protectedUrl(r['cs-referer']));
    v.userAgent = cut(r['cs-user-agent']);
    v.country = cut(r.geo?.country ?? r['c-country']);
    v.edgeLocation = cut(r['x-edge-location']);
  }

  function dimensionCellsOf(w: WindowState): number {
    let n = 0;
    for (let s = 0; s < sets.length; s++) if (sets[s]!.length > 0) n += w.cells[s]!.size;
    return n;
  }

  function isClosed(w: { end: number }): boolean {
    return mark !== null && w.end + latenessMs <= mark;
  }

  function sorted(list: Cell[]): WindowCell[] {
    return list.sort((a, b) => a.start - b.start || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  return {
    options: resolved,
    clientKeyId: hasher.keyId,
    add(record) {
      const ts = record.timestamp;
      if (typeof ts !== 'number' || !Number.isFinite(ts)) {
        untimed++;
        return 'untimed';
      }
      if (ts > notAfter || ts < notBefore) {
        implausible++;
        return 'implausible';
      }
      const w = windowOf(ts);
      if (w === null) {
        overflow++;
        return 'overflow';
      }
      resolveKeys(record);
      computeFragments(w, record);
      fillView(record);
      view.ts = ts;
      records++;
      const isLate = isClosed(w);
      let skipped = false;
      for (let s = 0; s < sets.length; s++) {
        const cell = cellFor(w, s);
        if (cell === null) {
          skipped = true;
          continue;
        }
        cell.add(view);
        if (isLate) cell.late += 1;
      }
      if (skipped) cellOverflow++;
      if (isLate) {
        late++;
        return 'late';
      }
      if (mark === null || ts > mark) mark = ts;
      return 'added';
    },
    addMalformed(timestampMs) {
      if (
        typeof timestampMs !== 'number' ||
        !Number.isFinite(timestampMs) ||
        timestampMs > notAfter ||
        timestampMs < notBefore
      ) {
        malformedUntimed++;
        return;
      }
      const w = windowOf(timestampMs);
      if (w === null) {
        malformedUntimed++;
        return;
      }
      computeFragments(w, null);
      for (let s = 0; s < sets.length; s++) {
        const cell = cellFor(w, s);
        if (cell !== null) cell.malformed += 1;
      }
      malformed++;
    },
    cells() {
      const all: Cell[] = [];
      for (const w of windows.values()) for (const m of w.cells) for (const c of m.values()) all.push(c);
      return sorted(all);
    },
    watermark: () => mark,
    advanceWatermark(timestampMs) {
      if (Number.isFinite(timestampMs) && (mark === null || timestampMs > mark)) mark = timestampMs;
    },
    drainClosed() {
      const out: Cell[] = [];
      for (const [start, w] of windows) {
        if (!isClosed(w)) continue;
        for (const m of w.cells) for (const c of m.values()) out.push(c);
        openCells -= dimensionCellsOf(w);
        windows.delete(start);
        if (current === w) current = null;
      }
      return sorted(out);
    },
    drain() {
      const out: Cell[] = [];
      for (const w of windows.values()) for (const m of w.cells) for (const c of m.values()) out.push(c);
      windows.clear();
      openCells = 0;
      current = null;
      return sorted(out);
    },
    stats: () => ({
      records,
      late,
      untimed,
      implausible,
      overflow,
      cellOverflow,
      openWindows: windows.size,
      openCells,
      malformed,
      malformedUntimed,
    }),
  };
}

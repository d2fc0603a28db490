/**
 * The contract between aggregates and their consumers (sinks, the handler, `cfrt analyze`):
 * the plain-object summary of one window x dimension-values cell. The aggregate room produces it
 * with `summarize()`; nothing downstream reads sketch internals.
 */
import type { CacheClass, StatusClass } from '../model/classes.js';

/** Latency quantiles in seconds; `null` when the window has no value for that field. */
export interface LatencySummary {
  count: number;
  min: number | null;
  max: number | null;
  p50: number | null;
  p90: number | null;
  p95: number | null;
  p99: number | null;
}

/** One heavy hitter: a key and its (over-)estimated count. */
export interface TopEntry {
  key: string;
  count: number;
  /**
   * Bound on the overestimate: the true count is in [count - error, count]. 0 when exact. Optional
   * in the type so summaries written by hand (tests, other producers) need not carry it;
   * `summarize()` always sets it.
   */
  error?: number;
  /**
   * What the entry's requests looked like, for the lists that keep figures (paths, miss paths,
   * clients, countries, edge locations and ASNs of a stream-wide cell): see `TopEntryFigures`.
   */
  figures?: TopEntryFigures;
}

/**
 * The figures of one top-list entry, over `requests` of its `count`: all of them when `error` is 0
 * and every merged cell kept figures, else those counted while the key held a counter (a subset).
 * Counts are exact over those requests; quantiles are within 1/6 relative error (a 32-bucket
 * histogram per entry: see aggregate/entry-figures.ts).
 */
export interface TopEntryFigures {
  /** Requests the figures describe. */
  requests: number;
  /** Of those, errors (4xx, 5xx, 000). */
  errors: number;
  /** errors / requests, null when none. */
  errorRate: number | null;
  /** hit / (hit + miss) over those requests, null when neither. */
  cacheHitRatio: number | null;
  bytesOut: number;
  /** `time-taken` quantiles in seconds, null when no latency was seen. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
}

/** The summary of one window x dimension-values cell. */
export interface WindowSummary {
  /** Window start, epoch ms (aligned to the window size). */
  start: number;
  /** Window end (exclusive), epoch ms. */
  end: number;
  /** Dimension name -> value for this cell; `{}` with no dimensions. */
  dimensions: Record<string, string>;
  /** Requests counted (scaled by 100/rate when sampled: see `estimated`). */
  requests: number;
  bytesOut: number;
  bytesIn: number;
  /** Per status class. */
  status: Record<StatusClass, number>;
  /** Per status code, as text keys (`"404"`). */
  statusCodes: Record<string, number>;
  /** Per cache class. */
  cache: Record<CacheClass, number>;
  /** hit / (hit + miss), null when neither. */
  cacheHitRatio: number | null;
  /** 4xx / requests, 5xx / requests, 000 / requests; null when no requests. */
  errorRates: { '4xx': number | null; '5xx': number | null; '000': number | null };
  /** Requests from bots / requests, null when unknown (no user agent configured) or no requests. */
  botShare: number | null;
  timeTaken: LatencySummary;
  timeToFirstByte: LatencySummary;
  originFbl: LatencySummary;
  originLbl: LatencySummary;
  /** Distinct clients (HyperLogLog estimate). */
  uniqueClients: number;
  /**
   * Distinct query strings (`cs-uri-query`, HyperLogLog estimate over keyed hashes; `-` counts
   * nothing), with the aggregator's `distinctQueries` option; absent (or null, from other
   * producers) when they were not counted. A jump against earlier windows is cache busting: one
   * path requested with ever new queries. Merged like `uniqueClients` (sketches hashed under
   * different keys are never united: the largest union is kept, a lower bound).
   */
  uniqueQueries?: number | null;
  top: {
    paths: TopEntry[];
    missPaths: TopEntry[];
    errorPaths: TopEntry[];
    clients: TopEntry[];
    referers: TopEntry[];
    userAgents: TopEntry[];
    countries: TopEntry[];
    edgeLocations: TopEntry[];
    /** Browser families by name (enricher's `ua.browser`); optional: summaries made by hand may omit it. */
    browsers?: TopEntry[];
    operatingSystems?: TopEntry[];
    /** Device types (`desktop`, `mobile`, `tablet`, `other`, `unknown`). */
    devices?: TopEntry[];
    /** Bots by name (`ua.botName`). */
    bots?: TopEntry[];
    /**
     * Autonomous systems by number as decimal text (`"16509"`), from the `asn` field, with
     * per-entry figures (errors, error rate, ...) as for clients; stream-wide cells only. Absent
     * when no record carried an ASN (the field list has no `asn`).
     */
    asns?: TopEntry[];
    /**
     * Requests whose user agent claims a crawler that publishes its address ranges (Googlebot and
     * the Googlebot variants of googlebot.json, bingbot) from an address outside them, keyed
     * `<claimed crawler> <client>`: the bot name, one space, and the client as the enricher
     * protected it (truncated or hashed; crawler names have no spaces). Stream-wide cells only;
     * absent when there was none.
     */
    spoofedCrawlers?: TopEntry[];
  };
  /**
   * The earliest and latest record timestamps counted, epoch ms; null when unknown (no record, or
   * cells stored before they were kept). Tells a window only partly covered by the data.
   */
  firstSeen?: number | null;
  lastSeen?: number | null;
  /** Lines that did not parse, attributed to this window when their timestamp was readable. */
  malformed: number;
  /** Records that arrived after the window closed (counted here, never dropped). */
  late: number;
  /** True when counts were scaled from a sampling rate below 100. */
  estimated: boolean;
}

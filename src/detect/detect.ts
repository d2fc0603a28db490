/**
 * Findings from the summaries of one window and of the windows before it (the baseline). Pure: no
 * clock, no I/O; the same summaries give the same findings, with the same ids, on every run.
 *
 * The guarantees, which docs/findings.md states for consumers:
 * - A subject is named on a lower bound: a Space-Saving entry's `count - error`, never its count
 *   (an overestimate), and error shares on the requests whose figures were counted exactly. So a
 *   client under the threshold is never named. The converse has Space-Saving's bound: every client
 *   with more than `requests / topK` requests in the window is in the list, so a flood above
 *   `max(threshold, requests / topK)` is always found.
 * - Jumps (distributed floods, error bursts) compare a figure with the median of the same series
 *   over the baseline windows, and also need an absolute floor, so a quiet series that wakes up
 *   with ten clients is not a flood.
 */
import { createHash } from 'node:crypto';
import type { TopEntry, WindowSummary } from '../aggregate/types.js';
import { formatIPv6, mappedIPv4, parseIp } from '../enrich/ip.js';
import { type DetectOptions, type ResolvedDetectOptions, resolveDetectOptions } from './options.js';
import type {
  Finding,
  FindingEvidence,
  FindingKind,
  FindingMeasure,
  FindingSeverity,
  FindingSubject,
} from './types.js';

/** One window's summaries (its stream-wide cell and any dimension cells). */
export type WindowSummaries = readonly WindowSummary[];

/** What a baseline window keeps of one series (the stream, or one cache behavior). */
export interface SeriesFacts {
  readonly requests: number;
  readonly uniqueClients: number;
  /** Distinct query strings; null when the aggregator did not count them. */
  readonly uniqueQueries: number | null;
  /** Requests answered 5xx. */
  readonly status5xx: number;
}

/**
 * What the detector remembers of an earlier window: a few figures per series and the bot names.
 * Small (a few KB), so a detector can keep an hour of them in one stored item instead of reading
 * the windows again; `baselineOf` makes one from a window's summaries.
 */
export interface BaselineWindow {
  /** Window start, epoch ms. */
  readonly start: number;
  /** `*` for the stream, `behavior=<path pattern>` for a cache behavior. */
  readonly series: Readonly<Record<string, SeriesFacts>>;
  /** Bot names the window's stream-wide list held. */
  readonly bots: readonly string[];
}

/** What `detectFindings` reads. */
export interface DetectInput {
  /** The window to judge: its stream-wide summary and any dimension summaries (all of one window). */
  readonly window: WindowSummaries;
  /**
   * Earlier windows with traffic, any order (from `baselineOf`). A series absent from one of them
   * had no traffic there and counts as zero. Jumps and new bots need `minBaselineWindows` of them.
   */
  readonly baseline?: readonly BaselineWindow[];
}

/** Behaviors (series) a baseline window keeps at most: the busiest. */
export const MAX_BASELINE_SERIES = 64;
/** Bot names a baseline window keeps at most. */
export const MAX_BASELINE_BOTS = 100;

/** The series key of the stream in `BaselineWindow.series`. */
export const STREAM_SERIES = '*';

/**
 * What a window's summaries leave for the baseline of later windows; null when the window has no
 * stream-wide summary.
 *
 * @example
 * const history = windows.map(baselineOf).filter((b) => b !== null);
 */
export function baselineOf(window: WindowSummaries): BaselineWindow | null {
  const wide = window.find(isStreamWide);
  if (wide === undefined) return null;
  const behaviors = [...jumpSeries(window)]
    .filter(([key]) => key !== STREAM)
    .sort((a, b) => b[1].requests - a[1].requests || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, MAX_BASELINE_SERIES);
  const series: Record<string, SeriesFacts> = { [STREAM_SERIES]: factsOf(wide) };
  for (const [key, summary] of behaviors) series[`behavior=${key}`] = factsOf(summary);
  const bots = (wide.top.bots ?? []).slice(0, MAX_BASELINE_BOTS).map((e) => e.key);
  return { start: wide.start, series, bots };
}

function factsOf(s: WindowSummary): SeriesFacts {
  return {
    requests: s.requests,
    uniqueClients: s.uniqueClients,
    uniqueQueries: typeof s.uniqueQueries === 'number' ? s.uniqueQueries : null,
    status5xx: s.status['5xx'] ?? 0,
  };
}

function seriesName(key: string): string {
  return key === STREAM ? STREAM_SERIES : `behavior=${key}`;
}

/** Evidence entries a finding carries at most. */
export const MAX_EVIDENCE = 10;
/** Characters of a key (path, client, bot name) kept in a finding. */
export const MAX_KEY_CHARS = 512;

/**
 * The findings of one window, in a stable order (kind, then subject).
 *
 * Summaries should carry every entry their cells keep (`summarize(cell, { top: cell topK })`): a
 * finding is only as complete as the lists it reads.
 *
 * @example
 * const findings = detectFindings(
 *   { window: summariesOfTheMinute, baseline: summariesOfTheLast30Minutes },
 *   { clientRequestsPerMinute: 1200 },
 * );
 */
export function detectFindings(input: DetectInput, options: DetectOptions = {}): Finding[] {
  const o = resolveDetectOptions(options);
  const wide = input.window.find(isStreamWide);
  if (wide === undefined) return [];
  const baseline = input.baseline ?? [];
  const out: Finding[] = [];
  // Rates are per minute of the window the summaries cover (a query may have merged windows).
  const seconds = Math.max(1, (wide.end - wide.start) / 1000);
  const ctx: Context = { o, start: wide.start, end: wide.end, seconds, out };

  // Clients, ASNs and paths over a rate, or mostly errors (stream-wide lists).
  rateFindings(ctx, 'client', wide.top.clients, o.clientRequestsPerMinute);
  rateFindings(ctx, 'asn', wide.top.asns ?? [], o.asnRequestsPerMinute);
  rateFindings(ctx, 'path', wide.top.paths, o.pathRequestsPerMinute);

  // Jumps per series: the stream and each cache behavior.
  const series = jumpSeries(input.window);
  const enoughHistory = baseline.length >= o.minBaselineWindows;
  for (const [key, summary] of series) {
    const name = seriesName(key);
    const past = baseline.map((b) => b.series[name]).filter((f): f is SeriesFacts => f !== undefined);
    const subject: FindingSubject =
      key === STREAM ? { type: 'stream', value: '*' } : { type: 'behavior', value: cut(key) };
    if (enoughHistory) distributedFlood(ctx, subject, summary, past, baseline.length);
    errorBurst(ctx, subject, summary, past, baseline.length);
  }

  if (enoughHistory) newBots(ctx, wide, baseline);
  spoofedCrawlers(ctx, wide);

  out.sort(byKindThenSubject);
  return out;
}

interface Context {
  readonly o: ResolvedDetectOptions;
  readonly start: number;
  readonly end: number;
  readonly seconds: number;
  readonly out: Finding[];
}

const STREAM = '\u0000stream';

function isStreamWide(s: WindowSummary): boolean {
  for (const _ in s.dimensions) return false;
  return true;
}

/** The behavior of a summary split by `behavior` alone, else undefined. */
function behaviorOf(s: WindowSummary): string | undefined {
  const names = Object.keys(s.dimensions);
  return names.length === 1 && names[0] === 'behavior' ? s.dimensions.behavior : undefined;
}

function jumpSeries(window: WindowSummaries): Map<string, WindowSummary> {
  const out = new Map<string, WindowSummary>();
  for (const s of window) {
    if (isStreamWide(s)) out.set(STREAM, s);
    else {
      const b = behaviorOf(s);
      // `other` folds many behaviors past the cardinality limit: not one subject.
      if (b !== undefined && b !== 'other') out.set(b, s);
    }
  }
  return out;
}

/** The median of `values` padded with zeros to `windows` values (windows without traffic). */
function median(values: readonly number[], windows: number): number {
  const all = [...values];
  while (all.length < windows) all.push(0);
  if (all.length === 0) return 0;
  all.sort((a, b) => a - b);
  const mid = all.length >> 1;
  return all.length % 2 === 1 ? all[mid]! : (all[mid - 1]! + all[mid]!) / 2;
}

function lower(e: TopEntry): number {
  return Math.max(0, e.count - (e.error ?? 0));
}

function perMinute(ctx: Context, n: number): number {
  return (n * 60) / ctx.seconds;
}

function rateFindings(
  ctx: Context,
  type: 'client' | 'asn' | 'path',
  entries: readonly TopEntry[],
  requestsPerMinute: number,
): void {
  const { o } = ctx;
  for (const e of entries) {
    const low = lower(e);
    const subject = subjectOf(type, e.key, o.clientIp);
    const rate = perMinute(ctx, low);
    if (requestsPerMinute > 0 && rate >= requestsPerMinute) {
      add(ctx, `${type}-flood` as FindingKind, type === 'path' ? 'warning' : 'critical', subject, {
        name: 'requestsPerMinute',
        value: round(rate),
        threshold: requestsPerMinute,
        upperBound: round(perMinute(ctx, e.count)),
        requests: low,
      });
    }
    // Error shares from the entry's figures: exact over the requests they describe, and judged on
    // their confidence bound, so a hundred requests' chance share is not a finding.
    const f = e.figures;
    if (f !== undefined && f.requests >= o.minRequests) {
      const bound = wilsonLower(f.errors, f.requests);
      if (bound >= o.errorRate) {
        add(ctx, `${type}-errors` as FindingKind, 'warning', subject, {
          name: 'errorRate',
          value: round(f.errors / f.requests),
          threshold: o.errorRate,
          lowerBound: round(bound),
          requests: f.requests,
        });
      }
    }
  }
}

function distributedFlood(
  ctx: Context,
  subject: FindingSubject,
  s: WindowSummary,
  past: readonly SeriesFacts[],
  windows: number,
): void {
  const { o } = ctx;
  const measures: [string, number, (p: SeriesFacts) => number | null][] = [
    ['distinctClients', s.uniqueClients, (p) => p.uniqueClients],
  ];
  if (typeof s.uniqueQueries === 'number')
    measures.push(['distinctQueries', s.uniqueQueries, (p) => p.uniqueQueries]);
  for (const [name, value, of] of measures) {
    const base = median(
      past.map((p) => of(p) ?? 0),
      windows,
    );
    const threshold = Math.max(o.minDistinct, base * o.jumpFactor);
    if (value >= threshold && s.requests >= o.minRequests) {
      add(
        ctx,
        'distributed-flood',
        'critical',
        subject,
        {
          name,
          value: Math.round(value),
          threshold: round(threshold),
          baseline: round(base),
          requests: s.requests,
        },
        evidenceOf(s.top.paths),
      );
    }
  }
}

function errorBurst(
  ctx: Context,
  subject: FindingSubject,
  s: WindowSummary,
  past: readonly SeriesFacts[],
  windows: number,
): void {
  const { o } = ctx;
  if (s.requests < o.minRequests) return;
  const failed = s.status['5xx'] ?? 0;
  const rate = failed / s.requests;
  // Without history the floor alone decides; with it, a series that always fails this much is its
  // normal, and only a jump over it is a burst. What is compared is the share's 95% lower bound:
  // 6 failures in 107 requests (5.6%) is within chance of a 1% series, not a burst.
  const base = windows < o.minBaselineWindows ? null : median(past.map(fiveXxRate), windows);
  const threshold = Math.max(o.burstRate, (base ?? 0) * o.jumpFactor);
  const bound = wilsonLower(failed, s.requests);
  if (bound < threshold) return;
  add(
    ctx,
    'error-burst',
    'critical',
    subject,
    {
      name: '5xxRate',
      value: round(rate),
      threshold: round(threshold),
      lowerBound: round(bound),
      baseline: base === null ? null : round(base),
      requests: s.requests,
    },
    evidenceOf(s.top.errorPaths, true),
  );
}

/**
 * The lower end of the Wilson score interval (95%, z = 1.96) of a share of `k` in `n`: the least
 * the true share is likely to be, given what was counted.
 *
 * @example
 * wilsonLower(6, 107); // 0.026: 5.6% observed, but as low as 2.6%
 */
export function wilsonLower(k: number, n: number, z = 1.96): number {
  if (n <= 0) return 0;
  const p = k / n;
  const z2 = z * z;
  const centre = p + z2 / (2 * n);
  const margin = z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return Math.max(0, (centre - margin) / (1 + z2 / n));
}

function fiveXxRate(s: SeriesFacts): number {
  return s.requests > 0 ? s.status5xx / s.requests : 0;
}

function newBots(ctx: Context, wide: WindowSummary, baseline: readonly BaselineWindow[]): void {
  const seen = new Set<string>();
  for (const window of baseline) for (const name of window.bots) seen.add(name);
  for (const e of wide.top.bots ?? []) {
    const low = lower(e);
    if (low < ctx.o.minBotRequests || seen.has(e.key)) continue;
    add(
      ctx,
      'new-bot',
      'info',
      { type: 'bot', value: cut(e.key) },
      {
        name: 'requests',
        value: low,
        threshold: ctx.o.minBotRequests,
        upperBound: e.count,
      },
    );
  }
}

function spoofedCrawlers(ctx: Context, wide: WindowSummary): void {
  for (const e of wide.top.spoofedCrawlers ?? []) {
    const low = lower(e);
    const space = e.key.indexOf(' ');
    if (low < ctx.o.minSpoofedRequests || space <= 0) continue;
    const claimed = e.key.slice(0, space);
    const client = subjectOf('client', e.key.slice(space + 1), ctx.o.clientIp);
    add(
      ctx,
      'spoofed-crawler',
      'warning',
      { ...client, claimed: cut(claimed) },
      {
        name: 'requests',
        value: low,
        threshold: ctx.o.minSpoofedRequests,
        upperBound: e.count,
      },
    );
  }
}

/** The subject of a top-list key; for a client, the CIDR its key stands for when it is an address. */
function subjectOf(type: 'client' | 'asn' | 'path', key: string, clientIp: string): FindingSubject {
  if (type !== 'client') return { type, value: cut(key) };
  const cidr = clientIp === 'hash' ? null : cidrOf(key, clientIp === 'truncate');
  return cidr === null ? { type, value: cut(key) } : { type, value: cut(key), cidr };
}

/**
 * The CIDR of a client key: its /24 or /48 network when truncated, the address itself (/32, /128)
 * when kept; null when the key is not an address.
 */
export function cidrOf(key: string, truncated: boolean): string | null {
  const ip = parseIp(key);
  if (ip === null) return null;
  const v4 = ip.version === 4 ? ip.parts : mappedIPv4(ip.parts);
  if (v4 !== null) {
    return truncated ? `${v4[0]}.${v4[1]}.${v4[2]}.0/24` : `${v4.join('.')}/32`;
  }
  const p = ip.parts;
  return truncated ? `${formatIPv6([p[0]!, p[1]!, p[2]!, 0, 0, 0, 0, 0])}/48` : `${formatIPv6(p)}/128`;
}

function evidenceOf(entries: readonly TopEntry[], errors = false): FindingEvidence[] {
  return entries
    .map((e) => ({ e, low: lower(e) }))
    .filter(({ low }) => low > 0)
    .sort((a, b) => b.low - a.low || (a.e.key < b.e.key ? -1 : a.e.key > b.e.key ? 1 : 0))
    .slice(0, MAX_EVIDENCE)
    .map(({ e, low }) =>
      errors
        ? { key: cut(e.key), requests: e.figures?.requests ?? low, errors: low }
        : e.figures !== undefined
          ? { key: cut(e.key), requests: low, errors: e.figures.errors }
          : { key: cut(e.key), requests: low },
    );
}

function cut(text: string): string {
  return text.length <= MAX_KEY_CHARS ? text : `${text.slice(0, MAX_KEY_CHARS - 3)}...`;
}

function round(n: number): number {
  return Math.round(n * 10_000) / 10_000;
}

function add(
  ctx: Context,
  kind: FindingKind,
  severity: FindingSeverity,
  subject: FindingSubject,
  measure: FindingMeasure,
  evidence?: readonly FindingEvidence[],
): void {
  const window = { start: new Date(ctx.start).toISOString(), end: new Date(ctx.end).toISOString() };
  const finding: Finding = {
    version: 1,
    id: findingId(kind, ctx.start, ctx.end, subject, measure.name),
    kind,
    severity,
    window,
    subject,
    measure,
    ...(evidence !== undefined && evidence.length > 0 ? { evidence } : {}),
    summary: summaryOf(kind, subject, measure, window.start, ctx.seconds),
  };
  ctx.out.push(finding);
}

/**
 * The stable id of a finding: SHA-256 over its kind, window, subject and measure, 32 hex characters.
 *
 * @example
 * findingId('client-flood', 0, 60_000, { type: 'client', value: '203.0.113.0' }, 'requestsPerMinute').length; // 32
 */
export function findingId(
  kind: FindingKind,
  start: number,
  end: number,
  subject: FindingSubject,
  measure: string,
): string {
  return createHash('sha256')
    .update(JSON.stringify([kind, start, end, subject.type, subject.value, subject.claimed ?? null, measure]))
    .digest('hex')
    .slice(0, 32);
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

function pct(n: number): string {
  return `${NUMBER.format(n * 100)}%`;
}

function short(text: string): string {
  return JSON.stringify(text.length <= 120 ? text : `${text.slice(0, 117)}...`);
}

function summaryOf(
  kind: FindingKind,
  subject: FindingSubject,
  m: FindingMeasure,
  start: string,
  seconds: number,
): string {
  const at = `in the ${NUMBER.format(seconds)} s window from ${start}`;
  const who =
    subject.type === 'client'
      ? `Client ${subject.cidr ?? short(subject.value)}`
      : subject.type === 'asn'
        ? `AS${subject.value}`
        : subject.type === 'path'
          ? `Path ${short(subject.value)}`
          : subject.type === 'behavior'
            ? `Cache behavior ${short(subject.value)}`
            : subject.type === 'bot'
              ? `Bot ${short(subject.value)}`
              : 'The distribution';
  switch (kind) {
    case 'client-flood':
    case 'asn-flood':
    case 'path-flood':
      return `${who} sent at least ${NUMBER.format(m.value)} requests per minute (threshold ${NUMBER.format(m.threshold)}) ${at}.`;
    case 'client-errors':
    case 'asn-errors':
    case 'path-errors':
      return `${who}: ${pct(m.value)} of ${NUMBER.format(m.requests ?? 0)} requests were errors (threshold ${pct(m.threshold)}) ${at}.`;
    case 'distributed-flood':
      return `${who} had ${NUMBER.format(m.value)} ${m.name === 'distinctQueries' ? 'distinct query strings' : 'distinct clients'} against a baseline median of ${NUMBER.format(m.baseline ?? 0)} (threshold ${NUMBER.format(m.threshold)}) ${at}.`;
    case 'error-burst':
      return `${who} answered ${pct(m.value)} of ${NUMBER.format(m.requests ?? 0)} requests with 5xx (threshold ${pct(m.threshold)}${m.baseline === null || m.baseline === undefined ? '' : `, baseline median ${pct(m.baseline)}`}) ${at}.`;
    case 'new-bot':
      return `${who}, not seen in the baseline windows, made at least ${NUMBER.format(m.value)} requests ${at}.`;
    case 'spoofed-crawler':
      return `${who} sent at least ${NUMBER.format(m.value)} requests claiming to be ${subject.claimed ?? 'a crawler'} from outside its published address ranges ${at}.`;
  }
}

const KIND_ORDER: Readonly<Record<FindingKind, number>> = {
  'client-flood': 0,
  'client-errors': 1,
  'asn-flood': 2,
  'asn-errors': 3,
  'path-flood': 4,
  'path-errors': 5,
  'distributed-flood': 6,
  'error-burst': 7,
  'new-bot': 8,
  'spoofed-crawler': 9,
};

function byKindThenSubject(a: Finding, b: Finding): number {
  const k = KIND_ORDER[a.kind] - KIND_ORDER[b.kind];
  if (k !== 0) return k;
  const sa = `${a.subject.type}\u0000${a.subject.value}\u0000${a.measure.name}`;
  const sb = `${b.subject.type}\u0000${b.subject.value}\u0000${b.measure.name}`;
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/**
 * Versioned, compact JSON text for cells (stored state: DynamoDB items, files, queues).
 *
 * Format `v: 1` (short keys; every figure a summary reports survives a round trip, including each
 * latency sketch's count, sum, min and max):
 * ```
 * { v: 1, k: key, s: start, e: end, d: dimensions, p: [alpha, hllPrecision, topK],
 *   n: requests, bo: bytesOut, bi: bytesIn, st: [per STATUS_CLASSES], ca: [per CACHE_CLASSES],
 *   sc: { "200": n, ... }, b: bots, u: requests with a classified user agent, m: malformed, l: late,
 *   x: 1 when estimated,
 *   q: [latency sketch | 0] x 4 (time-taken, time-to-first-byte, origin-fbl, origin-lbl),
 *   h: HyperLogLog | 0, t: [top list | 0] x 8,
 *   and, optional (absent in cells written before them; readers that predate them ignore them):
 *   ts: [first, last] record timestamps, ua: [top list | 0] x 4 (browsers, operating systems,
 *   devices, bots), f: [entry figures list | 0] x 8 (per entry of t[i], same order),
 *   hq: HyperLogLog | 0 of distinct query strings, with p: its precision (present when they were
 *   counted), sx: [top list | 0] x 2 (ASNs, spoofed crawlers), fx: entry figures list | 0 (per
 *   entry of sx[0]) }
 * latency sketch: [count, zeroCount, sum, min, max, firstBucketIndex, [bucket counts...]]
 * HyperLogLog:    { x: base64 of sorted 64-bit hashes (hi, lo as little-endian uint32) } (exact phase)
 *                 or { r: base64 of the registers packed 6 bits each, 4 registers per 3 bytes },
 *                 with k: the id of the key that hashed the addresses (absent: written before
 *                 keyed hashing, read as LEGACY_CLIENT_KEY_ID)
 * top list:       [[key, count] or [key, count, error], ...] largest first
 * entry figures:  [n, errors, hits, misses, bytesOut, firstBucket, ...bucket counts] or 0 (none),
 *                 kept for entries largest first (by rank, across lists) within
 *                 MAX_FIGURES_JSON_CHARS; entries past it are written without (see entry-figures.ts)
 * ```
 * The version stays 1: the new fields are optional both ways, so a reader of either age reads a cell
 * of either age (an older reader drops them; a merge with such a cell covers less, and says so).
 * Bucket counts are a JSON array rather than base64 of a Float64Array: counts are small integers
 * (1-4 characters each in JSON, 10.7 in base64 doubles).
 */
import { CACHE_CLASSES, STATUS_CLASSES } from '../model/classes.js';
import { Cell, type WindowCell } from './cell.js';
import { LEGACY_CLIENT_KEY_ID } from './client-key.js';
import { DDSketch } from './ddsketch.js';
import { ENTRY_LATENCY_BUCKETS, type EntryFigures } from './entry-figures.js';
import { CellFormatError, CellMergeError } from './errors.js';
import { HyperLogLog } from './hyperloglog.js';
import {
  MAX_HLL_PRECISION,
  MAX_QUANTILE_ALPHA,
  MAX_TOP_K,
  MIN_HLL_PRECISION,
  MIN_QUANTILE_ALPHA,
} from './options.js';
import { type Counter, SpaceSaving } from './space-saving.js';

/** The `v` field of serialized cells written by this version. */
export const CELL_FORMAT_VERSION = 1;

/**
 * Characters of per-entry figures one cell writes at most: with every list full of 128-character
 * keys at MAX_STORABLE_TOP_K (about 220 KB without figures, measured) a cell stays under
 * DynamoDB's 400 KB item. Typical figures take 40-80 characters an entry, so a busy stream-wide
 * cell keeps them all (5 lists x 200 entries x 80 = 80 KB).
 */
export const MAX_FIGURES_JSON_CHARS = 120_000;
/** Highest first-bucket index accepted when reading figures (1 ms x 1.4^200 is past any latency). */
const MAX_FIGURES_BUCKET = 200;

type SketchJson = [number, number, number, number | null, number | null, number, number[]];
type HllJson = ({ x: string } | { r: string }) & { k?: string };
type TopJson = ([string, number] | [string, number, number])[];

interface CellJson {
  v: number;
  k: string;
  s: number;
  e: number;
  d: Record<string, string>;
  p: [number, number, number];
  n: number;
  bo: number;
  bi: number;
  st: number[];
  ca: number[];
  sc: Record<string, number>;
  b: number;
  u: number;
  m: number;
  l: number;
  x?: 1;
  q: (SketchJson | 0)[];
  h: HllJson | 0;
  t: (TopJson | 0)[];
  ts?: [number, number];
  ua?: (TopJson | 0)[];
  f?: ((number[] | 0)[] | 0)[];
  hq?: (HllJson & { p: number }) | 0;
  sx?: (TopJson | 0)[];
  fx?: (number[] | 0)[] | 0;
}

function figuresJson(f: EntryFigures): number[] {
  return [f.n, f.errors, f.hits, f.misses, f.bytesOut, f.lo, ...f.counts];
}

/**
 * Per-entry figures of the lists, entry by entry in `topJson` order, largest first by rank across
 * the lists (every list's first entries before any list's later ones) until the budget is spent;
 * `undefined` when no list keeps figures.
 */
function figuresOf(
  lists: readonly (SpaceSaving | null)[],
  budgetChars = MAX_FIGURES_JSON_CHARS,
): CellJson['f'] {
  const counters = lists.map((s) => (s === null || s.size === 0 ? [] : s.counters()));
  if (!counters.some((cs) => cs.some((c) => c.figures !== undefined))) return undefined;
  const out: ((number[] | 0)[] | 0)[] = counters.map((cs) => (cs.length === 0 ? 0 : cs.map(() => 0)));
  let budget = budgetChars;
  const longest = Math.max(...counters.map((cs) => cs.length));
  for (let rank = 0; rank < longest && budget > 0; rank++) {
    for (let i = 0; i < counters.length; i++) {
      const f = counters[i]![rank]?.figures;
      if (f === undefined) continue;
      const json = figuresJson(f);
      const chars = JSON.stringify(json).length + 1;
      if (chars > budget) {
        budget = 0;
        break;
      }
      budget -= chars;
      (out[i] as (number[] | 0)[])[rank] = json;
    }
  }
  return out;
}

function hasFigures(lists: readonly (SpaceSaving | null)[]): boolean {
  return lists.some((s) => s !== null && s.size > 0 && s.counters().some((c) => c.figures !== undefined));
}

function hllJson(s: HyperLogLog, keyId: string): HllJson {
  const regs = s.registers();
  return regs === null ? { x: hashesToBase64(s.hashes()), k: keyId } : { r: packRegisters(regs), k: keyId };
}

function packRegisters(regs: Uint8Array): string {
  const out = Buffer.alloc((regs.length / 4) * 3);
  for (let i = 0, o = 0; i < regs.length; i += 4, o += 3) {
    const a = regs[i]!;
    const b = regs[i + 1]!;
    const c = regs[i + 2]!;
    const d = regs[i + 3]!;
    out[o] = (a << 2) | (b >>> 4);
    out[o + 1] = ((b & 15) << 4) | (c >>> 2);
    out[o + 2] = ((c & 3) << 6) | d;
  }
  return out.toString('base64');
}

function unpackRegisters(text: string, precision: number): Uint8Array {
  const bytes = Buffer.from(text, 'base64');
  const m = 1 << precision;
  if (bytes.length !== (m / 4) * 3)
    throw new CellFormatError(`HyperLogLog registers: expected ${m} registers.`);
  const regs = new Uint8Array(m);
  for (let i = 0, o = 0; i < m; i += 4, o += 3) {
    const x = bytes[o]!;
    const y = bytes[o + 1]!;
    const z = bytes[o + 2]!;
    regs[i] = x >>> 2;
    regs[i + 1] = ((x & 3) << 4) | (y >>> 4);
    regs[i + 2] = ((y & 15) << 2) | (z >>> 6);
    regs[i + 3] = z & 63;
  }
  const maxRank = 64 - precision + 1;
  for (let i = 0; i < m; i++) {
    if (regs[i]! > maxRank) throw new CellFormatError(`HyperLogLog register ${i} is out of range.`);
  }
  return regs;
}

function hashesToBase64(hashes: Uint32Array): string {
  const buf = Buffer.alloc(hashes.length * 4);
  for (let i = 0; i < hashes.length; i++) buf.writeUInt32LE(hashes[i]!, i * 4);
  return buf.toString('base64');
}

function base64ToHashes(text: string): Uint32Array {
  const buf = Buffer.from(text, 'base64');
  if (buf.length % 8 !== 0)
    throw new CellFormatError('HyperLogLog hashes: length is not a multiple of 8 bytes.');
  const out = new Uint32Array(buf.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = buf.readUInt32LE(i * 4);
  return out;
}

function sketchJson(s: DDSketch | null): SketchJson | 0 {
  if (s === null || s.count === 0) return 0;
  const { offset, counts } = s.buckets();
  return [
    s.count,
    s.zeroCount,
    s.sum,
    Number.isFinite(s.min) ? s.min : null,
    Number.isFinite(s.max) ? s.max : null,
    offset,
    Array.from(counts),
  ];
}

function topJson(s: SpaceSaving | null): TopJson | 0 {
  if (s === null || s.size === 0) return 0;
  return s
    .counters()
    .map((c): [string, number] | [string, number, number] =>
      c.error === 0 ? [c.key, c.count] : [c.key, c.count, c.error],
    );
}

/**
 * Serializes a cell to compact JSON text with a `v` version field (format in this module's
 * comment). About 2 KB for a small cell, 20-40 KB for a busy stream-wide minute (measured in the
 * bench); bounded well below DynamoDB's 400 KB item limit by `topK` and key-length limits.
 *
 * @example
 * const text = serializeCell(cell); // '{"v":1,"k":"1740830400000/1740830460000/",...}'
 * const again = deserializeCell(text);
 */
export function serializeCell(cell: WindowCell): string {
  return serialize(cell, MAX_FIGURES_JSON_CHARS);
}

/**
 * As `serializeCell`, with every per-entry figure (no `MAX_FIGURES_JSON_CHARS` budget), for cells
 * that only pass between threads of one process (`cfrt analyze --threads`) and are never stored:
 * what `deserializeCell` reads back is then the cell itself, figures included, however many.
 */
export function serializeCellWhole(cell: WindowCell): string {
  return serialize(cell, Number.POSITIVE_INFINITY);
}

function serialize(cell: WindowCell, figuresBudget: number): string {
  if (!(cell instanceof Cell)) {
    throw new CellMergeError('Only cells made by this library can be serialized.');
  }
  const c = cell;
  const codes: Record<string, number> = {};
  for (const code of [...c.codes.keys()].sort((a, b) => a - b)) codes[String(code)] = c.codes.get(code)!;
  const h: CellJson['h'] = c.clients === null ? 0 : hllJson(c.clients, c.params.clientKeyId);
  const json: CellJson = {
    v: CELL_FORMAT_VERSION,
    k: c.key,
    s: c.start,
    e: c.end,
    d: { ...c.dimensions },
    p: [c.params.alpha, c.clients?.precision ?? c.params.precision, c.params.topK],
    n: c.requests,
    bo: c.bytesOut,
    bi: c.bytesIn,
    st: Array.from(c.status),
    ca: Array.from(c.cache),
    sc: codes,
    b: c.bots,
    u: c.uaKnown,
    m: c.malformed,
    l: c.late,
    q: c.latency.map((s) => sketchJson(s ?? null)),
    h,
    t: c.top.map((s) => topJson(s ?? null)),
  };
  if (c.estimated) json.x = 1;
  if (!Number.isNaN(c.first) && !Number.isNaN(c.last)) json.ts = [c.first, c.last];
  if (c.uaTop.some((s) => s !== null && s.size > 0)) json.ua = c.uaTop.map((s) => topJson(s ?? null));
  // What findings read, written only when there is some: a cell without it is written exactly as
  // before. It takes its room from the per-entry figures' budget (distinct queries are up to 64 KB
  // at precision 16, the two lists about 30 KB at MAX_STORABLE_TOP_K), so the largest cell stays
  // what was measured without it; the ASN list's figures share the budget, by rank with the others.
  let hq: CellJson['hq'];
  if (c.countsQueries || c.queries !== null) {
    hq = c.queries === null ? 0 : { ...hllJson(c.queries, c.queryKeyId), p: c.queries.precision };
  }
  let sx: CellJson['sx'];
  if (c.findingTop.some((s) => s !== null && s.size > 0)) sx = c.findingTop.map((s) => topJson(s ?? null));
  const asns = sx === undefined ? null : (c.findingTop[0] ?? null);
  const taken =
    (hq === undefined ? 0 : JSON.stringify(hq).length) + (sx === undefined ? 0 : JSON.stringify(sx).length);
  const f = figuresOf([...c.top, asns], figuresBudget - taken);
  if (f !== undefined && hasFigures(c.top)) json.f = f.slice(0, c.top.length);
  if (hq !== undefined) json.hq = hq;
  if (sx !== undefined) {
    json.sx = sx;
    if (f !== undefined && hasFigures([asns])) json.fx = f[c.top.length]!;
  }
  return JSON.stringify(json);
}

function fail(what: string): never {
  throw new CellFormatError(`Not a serialized cell: ${what}.`);
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`${what} is not a non-negative number`);
  return v;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(`${what} is not an integer`);
  return v;
}

function arr(v: unknown, what: string, length?: number): unknown[] {
  if (!Array.isArray(v) || (length !== undefined && v.length !== length)) {
    fail(`${what} is not a list${length === undefined ? '' : ` of ${length}`}`);
  }
  return v;
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`${what} is not an object`);
  return v as Record<string, unknown>;
}

function readSketch(v: unknown, alpha: number, what: string): DDSketch | null {
  if (v === 0) return null;
  const [count, zero, sum, min, max, offset, counts] = arr(v, what, 7);
  const s = new DDSketch(alpha);
  const first = int(offset, `${what} offset`);
  // |index| <= 1e6 covers every double at any accepted alpha (log(1.8e308) / log(gamma) < 360,000).
  if (Math.abs(first) > 1e6) fail(`${what} offset is out of range`);
  s.addBuckets(
    first,
    arr(counts, `${what} counts`).map((c, i) => num(c, `${what} count ${i}`)),
  );
  s.count = num(count, `${what} count`);
  s.zeroCount = num(zero, `${what} zero count`);
  s.sum = num(sum, `${what} sum`);
  s.min = min === null ? Number.POSITIVE_INFINITY : num(min, `${what} min`);
  s.max = max === null ? Number.NEGATIVE_INFINITY : num(max, `${what} max`);
  return s;
}

function readFigures(v: unknown, what: string): EntryFigures | undefined {
  if (v === 0) return undefined;
  const a = arr(v, what);
  if (a.length < 6 || a.length > 6 + ENTRY_LATENCY_BUCKETS) fail(`${what} is not entry figures`);
  const lo = int(a[5], `${what} first bucket`);
  if (lo < 0 || lo > MAX_FIGURES_BUCKET) fail(`${what} first bucket is out of range`);
  return {
    n: num(a[0], `${what} requests`),
    errors: num(a[1], `${what} errors`),
    hits: num(a[2], `${what} hits`),
    misses: num(a[3], `${what} misses`),
    bytesOut: num(a[4], `${what} bytes`),
    lo,
    counts: a.slice(6).map((c, i) => num(c, `${what} bucket ${i}`)),
  };
}

function readTop(v: unknown, capacity: number, what: string, figures: unknown = 0): SpaceSaving | null {
  if (v === 0) return null;
  const figs = figures === 0 ? null : arr(figures, `${what} figures`);
  const entries = arr(v, what);
  if (figs !== null && figs.length !== entries.length) fail(`${what} figures do not match its entries`);
  const counters: Counter[] = entries.map((entry, i) => {
    const e = arr(entry, `${what} entry ${i}`);
    if (typeof e[0] !== 'string' || e.length < 2 || e.length > 3)
      fail(`${what} entry ${i} is not [key, count]`);
    const figures = figs === null ? undefined : readFigures(figs[i], `${what} entry ${i} figures`);
    return {
      key: e[0],
      count: num(e[1], `${what} entry ${i} count`),
      error: e.length === 3 ? num(e[2], `${what} entry ${i} error`) : 0,
      figures,
    };
  });
  return SpaceSaving.from(capacity, counters);
}

/**
 * Reads a cell written by `serializeCell`; throws `CellFormatError` for text it cannot read (not
 * JSON, an unknown `v`, a field out of range).
 *
 * @example
 * const stored = deserializeCell(item.state.S);
 * const merged = mergeCells(stored, fresh);
 */
export function deserializeCell(text: string): WindowCell {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CellFormatError('Not a serialized cell: the text is not JSON.', { cause: error });
  }
  const j = obj(parsed, 'the value');
  if (j.v !== CELL_FORMAT_VERSION) {
    fail(`format version ${JSON.stringify(j.v)} (this version reads ${CELL_FORMAT_VERSION})`);
  }
  if (typeof j.k !== 'string') fail('k (key) is not text');
  const start = int(j.s, 's (start)');
  const end = int(j.e, 'e (end)');
  if (end <= start) fail('e (end) is not after s (start)');
  const d = obj(j.d, 'd (dimensions)');
  const dimensions: Record<string, string> = {};
  for (const [name, value] of Object.entries(d)) {
    if (typeof value !== 'string') fail(`dimension ${name} is not text`);
    dimensions[name] = value;
  }
  const [alpha, precision, topK] = arr(j.p, 'p (parameters)', 3);
  const a = num(alpha, 'alpha');
  const p = int(precision, 'HyperLogLog precision');
  const k = int(topK, 'topK');
  if (a < MIN_QUANTILE_ALPHA || a > MAX_QUANTILE_ALPHA) fail(`alpha ${a} is out of range`);
  if (p < MIN_HLL_PRECISION || p > MAX_HLL_PRECISION) fail(`HyperLogLog precision ${p} is out of range`);
  // Below MIN_TOP_K too: a cell cut to fit an item (withTopK) keeps fewer counters.
  if (!Number.isInteger(k) || k < 1 || k > MAX_TOP_K) fail(`topK ${k} is out of range`);
  let clientKeyId = LEGACY_CLIENT_KEY_ID;
  if (j.h !== 0 && typeof j.h === 'object' && j.h !== null && 'k' in j.h) {
    clientKeyId = keyIdOf((j.h as { k: unknown }).k, 'h.k (client key id)');
  }
  const cell = new Cell(j.k, start, end, dimensions, { alpha: a, precision: p, topK: k, clientKeyId });
  cell.requests = num(j.n, 'n (requests)');
  cell.bytesOut = num(j.bo, 'bo (bytes out)');
  cell.bytesIn = num(j.bi, 'bi (bytes in)');
  arr(j.st, 'st (status classes)', STATUS_CLASSES.length).forEach((v, i) => {
    cell.status[i] = num(v, `status class ${STATUS_CLASSES[i]}`);
  });
  arr(j.ca, 'ca (cache classes)', CACHE_CLASSES.length).forEach((v, i) => {
    cell.cache[i] = num(v, `cache class ${CACHE_CLASSES[i]}`);
  });
  for (const [code, v] of Object.entries(obj(j.sc, 'sc (status codes)'))) {
    const n = Number(code);
    if (!Number.isInteger(n) || n < 0 || n > 999) fail(`status code ${code} is out of range`);
    cell.codes.set(n, num(v, `status code ${code} count`));
  }
  cell.bots = num(j.b, 'b (bots)');
  cell.uaKnown = num(j.u, 'u (classified user agents)');
  cell.malformed = num(j.m, 'm (malformed)');
  cell.late = num(j.l, 'l (late)');
  cell.estimated = j.x === 1;
  arr(j.q, 'q (latency sketches)', 4).forEach((v, i) => {
    cell.latency[i] = readSketch(v, a, `latency sketch ${i}`);
  });
  if (j.h !== 0) cell.clients = readHll(obj(j.h, 'h (HyperLogLog)'), p, 'h (HyperLogLog)');
  if (j.hq !== undefined) {
    cell.countsQueries = true;
    if (j.hq !== 0) {
      const hq = obj(j.hq, 'hq (distinct queries)');
      const qp = int(hq.p, 'hq.p (distinct queries precision)');
      if (qp < MIN_HLL_PRECISION || qp > MAX_HLL_PRECISION) fail(`hq.p ${qp} is out of range`);
      cell.queries = readHll(hq, qp, 'hq (distinct queries)');
      cell.queryKeyId = keyIdOf(hq.k, 'hq.k (query key id)');
    }
  }
  const f = j.f === undefined ? null : arr(j.f, 'f (entry figures)', 8);
  arr(j.t, 't (top lists)', 8).forEach((v, i) => {
    cell.top[i] = readTop(v, k, `top list ${i}`, f?.[i] ?? 0);
  });
  if (j.ts !== undefined) {
    const [first, last] = arr(j.ts, 'ts (first and last timestamps)', 2);
    cell.first = num(first, 'ts first');
    cell.last = num(last, 'ts last');
    if (cell.last < cell.first) fail('ts last is before ts first');
  }
  if (j.ua !== undefined) {
    arr(j.ua, 'ua (user-agent lists)', 4).forEach((v, i) => {
      cell.uaTop[i] = readTop(v, k, `user-agent list ${i}`);
    });
  }
  if (j.sx !== undefined) {
    arr(j.sx, 'sx (finding lists)', 2).forEach((v, i) => {
      cell.findingTop[i] = readTop(v, k, `finding list ${i}`, i === 0 ? (j.fx ?? 0) : 0);
    });
  } else if (j.fx !== undefined) {
    fail('fx (ASN figures) without sx (finding lists)');
  }
  return cell;
}

function keyIdOf(id: unknown, what: string): string {
  if (typeof id !== 'string' || id === '' || id.length > 64) fail(`${what} is not a key id`);
  return id;
}

function readHll(h: Record<string, unknown>, precision: number, what: string): HyperLogLog {
  if (typeof h.r === 'string')
    return HyperLogLog.from(precision, new Uint32Array(0), unpackRegisters(h.r, precision));
  if (typeof h.x === 'string') return HyperLogLog.from(precision, base64ToHashes(h.x), null);
  fail(`${what} has neither registers nor hashes`);
}

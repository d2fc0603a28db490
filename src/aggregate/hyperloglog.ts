/**
 * HyperLogLog distinct counting with an exact phase.
 *
 * - Exact phase: up to `EXACT_LIMIT` distinct 64-bit hashes are kept in an open-addressing set, so
 *   small windows (most window x dimension cells) report exact distinct counts (exact up to 64-bit
 *   hash collisions, ~n^2/2^65: none in practice).
 * - Past the limit the set is promoted to 2^p registers of 6 bits (p = 14: 16,384 registers,
 *   standard error 1.04 / sqrt(2^p) = 0.81%).
 * - Estimation: Ertl's improved estimator ("New cardinality estimation algorithms for HyperLogLog
 *   sketches", 2017, algorithm 6): unbiased over the whole range without HLL++'s empirical tables.
 * - Merge: union of sets, register-wise max; sketches of different precisions fold to the lower one.
 */

/**
 * Distinct hashes kept exactly. 1,536 hashes x 8 bytes = 12 KiB, the size of p = 14's registers
 * packed at 6 bits: past it the registers are no bigger than the set, so nothing is gained by waiting.
 */
export const EXACT_LIMIT = 1_536;
const INITIAL_SLOTS = 16;

/** The register value a hash adds: index from the top p bits, rank = leading zeros of the rest + 1. */
function registerIndex(hi: number, p: number): number {
  return hi >>> (32 - p);
}

function registerRank(hi: number, lo: number, p: number): number {
  const rest = (hi << p) >>> 0;
  // The low 32 - p bits of `hi` are the first bits of the suffix; `lo` continues it.
  if (rest !== 0) return Math.clz32(rest) + 1;
  return 32 - p + Math.clz32(lo) + 1;
}

/** A HyperLogLog sketch with an exact phase. Mutable; `merge` returns a new sketch. */
export class HyperLogLog {
  readonly precision: number;
  /** Exact phase: interleaved [hi, lo] pairs, 0/0 = empty slot; null once promoted. */
  #slots: Uint32Array | null = new Uint32Array(INITIAL_SLOTS * 2);
  #size = 0;
  #registers: Uint8Array | null = null;

  constructor(precision: number) {
    this.precision = precision;
  }

  /** True while counts are exact. */
  get isExact(): boolean {
    return this.#registers === null;
  }

  /** Adds a 64-bit hash. */
  add(hi: number, lo: number): void {
    if (this.#registers !== null) {
      this.#addRegister(hi, lo);
      return;
    }
    // 0/0 marks an empty slot; the one hash that collides with it is nudged (a 2^-64 event).
    if (hi === 0 && lo === 0) lo = 1;
    if (this.#insert(hi, lo) && this.#size > EXACT_LIMIT) this.#promote();
  }

  #addRegister(hi: number, lo: number): void {
    const regs = this.#registers!;
    const idx = registerIndex(hi, this.precision);
    const rank = registerRank(hi, lo, this.precision);
    if (rank > regs[idx]!) regs[idx] = rank;
  }

  /** Inserts into the exact set; true when the hash was new. */
  #insert(hi: number, lo: number): boolean {
    let slots = this.#slots!;
    let mask = (slots.length >>> 1) - 1;
    // `lo` is already well mixed (fmix of both lanes): use it to probe.
    let i = lo & mask;
    for (;;) {
      const sh = slots[2 * i]!;
      const sl = slots[2 * i + 1]!;
      if (sh === 0 && sl === 0) break;
      if (sh === hi && sl === lo) return false;
      i = (i + 1) & mask;
    }
    slots[2 * i] = hi;
    slots[2 * i + 1] = lo;
    this.#size++;
    // Keep the load under 1/2 so probes stay short.
    if (this.#size * 2 > mask + 1 && this.#size <= EXACT_LIMIT) {
      const old = slots;
      slots = new Uint32Array(old.length * 2);
      mask = (slots.length >>> 1) - 1;
      for (let j = 0; j < old.length; j += 2) {
        const h = old[j]!;
        const l = old[j + 1]!;
        if (h === 0 && l === 0) continue;
        let k = l & mask;
        while (slots[2 * k] !== 0 || slots[2 * k + 1] !== 0) k = (k + 1) & mask;
        slots[2 * k] = h;
        slots[2 * k + 1] = l;
      }
      this.#slots = slots;
    }
    return true;
  }

  #promote(): void {
    const slots = this.#slots!;
    this.#registers = new Uint8Array(1 << this.precision);
    this.#slots = null;
    this.#size = 0;
    for (let j = 0; j < slots.length; j += 2) {
      const h = slots[j]!;
      const l = slots[j + 1]!;
      if (h !== 0 || l !== 0) this.#addRegister(h, l);
    }
  }

  /** The exact hashes (exact phase only), as interleaved [hi, lo] pairs sorted for a canonical form. */
  hashes(): Uint32Array {
    const slots = this.#slots;
    if (slots === null) return new Uint32Array(0);
    const pairs: [number, number][] = [];
    for (let j = 0; j < slots.length; j += 2) {
      const h = slots[j]!;
      const l = slots[j + 1]!;
      if (h !== 0 || l !== 0) pairs.push([h, l]);
    }
    pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    const out = new Uint32Array(pairs.length * 2);
    pairs.forEach(([h, l], k) => {
      out[2 * k] = h;
      out[2 * k + 1] = l;
    });
    return out;
  }

  /** The registers (after promotion), else null. */
  registers(): Uint8Array | null {
    return this.#registers;
  }

  /** Rebuilds a sketch from `hashes()` or `registers()` output. */
  static from(precision: number, hashes: Uint32Array, registers: Uint8Array | null): HyperLogLog {
    const h = new HyperLogLog(precision);
    if (registers !== null) {
      h.#registers = registers;
      h.#slots = null;
      return h;
    }
    for (let j = 0; j + 1 < hashes.length; j += 2) h.add(hashes[j]!, hashes[j + 1]!);
    return h;
  }

  /** The distinct count: exact in the exact phase, else Ertl's estimate (rounded). */
  estimate(): number {
    if (this.#registers === null) return this.#size;
    return Math.round(ertlEstimate(this.#registers, this.precision));
  }

  /** A new sketch holding the union; precisions may differ (the result has the lower one). */
  static merge(a: HyperLogLog, b: HyperLogLog): HyperLogLog {
    return HyperLogLog.mergeAll([a, b]);
  }

  /** A new sketch of the union of every input (at least one), at the smallest precision. */
  static mergeAll(sketches: readonly HyperLogLog[]): HyperLogLog {
    if (sketches.length === 0) throw new RangeError('HyperLogLog.mergeAll needs at least one sketch');
    let p = Number.POSITIVE_INFINITY;
    for (const s of sketches) if (s.precision < p) p = s.precision;
    const out = new HyperLogLog(p);
    let regs: Uint8Array | null = null;
    for (const s of sketches) {
      if (s.#registers === null) continue;
      const r = fold(s.#registers, s.precision, p);
      if (regs === null) regs = new Uint8Array(1 << p);
      for (let i = 0; i < regs.length; i++) if (r[i]! > regs[i]!) regs[i] = r[i]!;
    }
    if (regs !== null) {
      out.#registers = regs;
      out.#slots = null;
    }
    for (const src of sketches) {
      const slots = src.#slots;
      if (slots === null) continue;
      for (let j = 0; j < slots.length; j += 2) {
        const h = slots[j]!;
        const l = slots[j + 1]!;
        if (h !== 0 || l !== 0) out.add(h, l);
      }
    }
    return out;
  }
}

/** Registers of precision `from` seen at precision `to` <= `from` (the bits dropped from the index join the suffix). */
function fold(regs: Uint8Array, from: number, to: number): Uint8Array {
  if (from === to) return regs;
  const d = from - to;
  const out = new Uint8Array(1 << to);
  for (let idx = 0; idx < regs.length; idx++) {
    const v = regs[idx]!;
    if (v === 0) continue;
    const low = idx & ((1 << d) - 1);
    const rank = low !== 0 ? d - (32 - Math.clz32(low)) + 1 : v + d;
    const ni = idx >>> d;
    if (rank > out[ni]!) out[ni] = rank;
  }
  return out;
}

function sigma(x: number): number {
  if (x === 1) return Number.POSITIVE_INFINITY;
  let y = 1;
  let z = x;
  for (;;) {
    x *= x;
    const prev = z;
    z += x * y;
    y += y;
    if (prev === z) return z;
  }
}

function tau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let y = 1;
  let z = 1 - x;
  for (;;) {
    x = Math.sqrt(x);
    const prev = z;
    y *= 0.5;
    z -= (1 - x) ** 2 * y;
    if (prev === z) return z / 3;
  }
}

/** Ertl 2017, algorithm 6 (improved raw estimator), for 64-bit hashes: q = 64 - p. */
function ertlEstimate(regs: Uint8Array, p: number): number {
  const m = regs.length;
  const q = 64 - p;
  const c = new Float64Array(q + 2);
  for (let i = 0; i < m; i++) c[regs[i]!]!++;
  let z = m * tau(1 - c[q + 1]! / m);
  for (let k = q; k >= 1; k--) z = 0.5 * (z + c[k]!);
  z += m * sigma(c[0]! / m);
  return (m / (2 * Math.LN2) / z) * m;
}

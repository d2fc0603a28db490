/**
 * The benchmark: every case in bench/cases/*.ts on the same data, in the same process.
 *
 *   npm run bench                      a table
 *   npm run bench -- --json            one JSON document on stdout
 *   npm run bench -- --filter parse,baseline   only cases whose name contains one of these
 *   npm run bench -- --records 50000 --samples 20
 *   npm run bench -- --layout recommended   the 29 recommended fields instead of the 40-field layout
 *   npm run bench -- --filter lambda --cold-samples 40   cold starts only, 40 processes per case
 *   npm run bench -- --filter analyze,duckdb --file-lines 600000 --file-samples 5   cfrt analyze vs DuckDB
 *
 * Method: the data is generated once (seeded; the 40-field layout of the real records, as Kinesis
 * `data`); each case is prepared, warmed up, then sampled round-robin with the other cases, so drift
 * on a shared machine hits every case alike. Each sample is timed in process CPU time (user +
 * system), not wall time: on a busy machine a descheduled process waits without working, and CPU
 * time does not count that wait (on an idle machine the two agree for these single-threaded cases).
 * Reported: the median of the samples, and the spread as the interquartile range over the median
 * (robust to the odd sample a GC pause or the VM stretches; min and max are in the JSON).
 *
 * Per shard (the design card's "parse throughput per shard"): a provisioned Kinesis shard takes at
 * most 1,000 records/s, so a case's records/s over 1,000 is how many shards one vCPU keeps up with,
 * busy all the time; and the Lambda GB-seconds a shard at that rate costs per hour, at the SAM app's
 * default `MemorySize` (read from infra/template.yaml). Lambda gives a function memory / 1,769 MB of
 * a vCPU (one full vCPU at 1,769 MB); a single-threaded handler uses at most one, so a shard-hour's
 * CPU time runs for CPU seconds / min(1, memory / 1,769) and costs that times memory / 1,024
 * GB-seconds. Both assume Lambda's vCPU is as fast as this machine's, and count compute only: no
 * invocation overhead, no wait on sinks (docs/deploy.md adds those).
 *
 * Files (case files exporting `fileCases`: `cfrt analyze` and DuckDB): one file of `--file-lines`
 * generated lines (same seed and layout) in the system's temporary directory, removed afterwards;
 * each sample is a fresh process per case, cases in turn. Reported: the median wall time (process
 * start included) and CPU time (every thread's, from the process's own resource usage at exit), the
 * records per wall and per CPU second they give, and the median peak RSS.
 *
 * Cold starts (case files exporting `coldStarts`): each sample is a fresh `node` process that
 * imports the module once; the cases take turns, sample by sample, like the throughput cases.
 * Reported: the median wall time of the import (what Lambda's init waits for), its CPU time (steadier
 * on a busy machine), and the time from process start to the module being ready.
 */

import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateLines, iterateLines } from '../fixtures/generator.js';
import { RECOMMENDED_FIELDS } from '../src/parser/fields.js';
import { splitFieldList } from '../src/parser/layout.js';
import type { BenchCase, BenchData, BenchRun, ColdStartCase, FileCase } from './types.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    filter: { type: 'string' },
    records: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    layout: { type: 'string', default: 'fields-40' },
    group: { type: 'string' },
    'cold-samples': { type: 'string', default: '20' },
    'file-lines': { type: 'string', default: '600000' },
    'file-samples': { type: 'string', default: '5' },
  },
});

const RECORDS = Number(values.records);
const SAMPLES = Number(values.samples);
const WARMUP = Number(values.warmup);
const COLD_SAMPLES = Number(values['cold-samples']);
const FILE_LINES = Number(values['file-lines']);
const FILE_SAMPLES = Number(values['file-samples']);

/** `fields-40`: the layout of the real records (full header dumps); `recommended`: RECOMMENDED_FIELDS. */
function benchFields(): string[] {
  if (values.layout === 'recommended') return [...RECOMMENDED_FIELDS];
  if (values.layout === 'fields-40') {
    return splitFieldList(readFileSync(new URL('../fixtures/real/fields.txt', import.meta.url), 'utf8'));
  }
  throw new Error(`--layout is fields-40 or recommended, not ${values.layout}`);
}

function makeData(): BenchData {
  const fields = benchFields();
  const lines = generateLines({ fields, count: RECORDS, seed: 42 }).map((l) => l.line);
  return {
    fields,
    lines,
    kinesisData: lines.map((l) => Buffer.from(`${l}\n`, 'utf8').toString('base64')),
    bytes: lines.reduce((sum, l) => sum + Buffer.byteLength(l, 'utf8') + 1, 0),
  };
}

const CASES_DIR = new URL('./cases/', import.meta.url);

/** Case files, parse.ts (the floor and the peer) first. */
function caseFiles(): string[] {
  return readdirSync(CASES_DIR)
    .filter((f) => f.endsWith('.ts'))
    .sort((a, b) => (a === 'parse.ts' ? -1 : b === 'parse.ts' ? 1 : a.localeCompare(b)));
}

async function casesOf(file: string): Promise<BenchCase[]> {
  const mod = (await import(new URL(file, CASES_DIR).href)) as { cases?: BenchCase[] };
  return mod.cases ?? [];
}

/** Node flags a case file's process runs with (its `nodeArgs` export: the Lambda's NODE_OPTIONS). */
async function nodeArgsOf(file: string): Promise<string[]> {
  const mod = (await import(new URL(file, CASES_DIR).href)) as { nodeArgs?: string[] };
  return mod.nodeArgs ?? [];
}

async function fileCasesOf(file: string): Promise<FileCase[]> {
  const mod = (await import(new URL(file, CASES_DIR).href)) as { fileCases?: FileCase[] };
  return mod.fileCases ?? [];
}

async function coldStartsOf(file: string): Promise<ColdStartCase[]> {
  const mod = (await import(new URL(file, CASES_DIR).href)) as { coldStarts?: ColdStartCase[] };
  return mod.coldStarts ?? [];
}

const wanted = (name: string) => {
  const filters = values.filter?.split(',') ?? [];
  return filters.length === 0 || filters.some((w) => name.includes(w));
};

/** One group's cases, plus the floor, which every group measures in its own process. */
async function loadGroup(file: string): Promise<BenchCase[]> {
  const chosen = (await casesOf(file)).filter((c) => wanted(c.name));
  if (chosen.length === 0) return [];
  const floor = (await casesOf('parse.ts')).find((c) => c.name === FLOOR)!;
  return chosen.some((c) => c.name === FLOOR) ? chosen : [floor, ...chosen];
}

const FLOOR = 'baseline-split';

/** What one provisioned Kinesis shard takes at most (records/s). */
const SHARD_RECORDS_PER_SEC = 1_000;
/** Lambda's memory for one full vCPU (MB). */
const MB_PER_VCPU = 1_769;

/** The SAM app's default function memory (MB): the `MemorySize` parameter's `Default`. */
function samMemoryMb(): number {
  const template = readFileSync(new URL('../infra/template.yaml', import.meta.url), 'utf8');
  const m = /^ {2}MemorySize:\n(?: {4}.*\n)*? {4}Default: (\d+)/m.exec(template);
  if (m === null) throw new Error('infra/template.yaml: no MemorySize parameter with a Default');
  return Number(m[1]);
}

/** Shards (at 1,000 records/s) one vCPU keeps up with, and Lambda GB-seconds per shard-hour. */
function perShard(
  recordsPerSec: number,
  memoryMb: number,
): { shardsPerVcpu: number; gbSecondsPerShardHour: number } {
  const cpuSecondsPerShardHour = (3_600 * SHARD_RECORDS_PER_SEC) / recordsPerSec;
  const seconds = cpuSecondsPerShardHour / Math.min(1, memoryMb / MB_PER_VCPU);
  return {
    shardsPerVcpu: Math.round((recordsPerSec / SHARD_RECORDS_PER_SEC) * 10) / 10,
    gbSecondsPerShardHour: Math.round(((seconds * memoryMb) / 1_024) * 10) / 10,
  };
}

interface CaseResult {
  name: string;
  description: string;
  recordsPerSec: number;
  bytesPerSec: number;
  samples: number;
  /** (p75 - p25) / median of records/s, in percent. */
  spreadPct: number;
  minRecordsPerSec: number;
  maxRecordsPerSec: number;
  /** records/s over the floor measured in the same process. */
  vsFloor: number | null;
  /** The case file, run in its own process. */
  group: string;
  /** Kinesis shards (1,000 records/s each) one vCPU keeps up with at this rate. */
  shardsPerVcpu?: number;
  /** Lambda GB-seconds per shard-hour at this rate and the SAM app's memory size. */
  gbSecondsPerShardHour?: number;
  error?: string;
}

/** The q-quantile of the samples, interpolated between closest ranks. */
const quantile = (xs: readonly number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (pos - lo);
};
const median = (xs: readonly number[]) => quantile(xs, 0.5);

async function time(run: BenchRun): Promise<{ seconds: number; records: number }> {
  const start = process.cpuUsage();
  const records = await run();
  const used = process.cpuUsage(start);
  return { seconds: (used.user + used.system) / 1e6, records };
}

/** What a child process reports: its data's shape and its cases. */
interface GroupReport {
  records: number;
  bytesPerRecord: number;
  fields: number;
  results: CaseResult[];
}

/** Measures one case file in this process: prepare, warm up, sample round-robin. */
async function measureGroup(file: string): Promise<GroupReport> {
  const data = makeData();
  const cases = await loadGroup(file);
  const prepared: { c: BenchCase; run?: BenchRun; error?: string; rates: number[] }[] = [];
  for (const c of cases) {
    try {
      prepared.push({ c, run: await c.prepare(data), rates: [] });
    } catch (err) {
      prepared.push({ c, error: err instanceof Error ? err.message : String(err), rates: [] });
    }
  }
  for (const p of prepared) {
    if (p.run === undefined) continue;
    try {
      for (let i = 0; i < WARMUP; i++) await p.run();
    } catch (err) {
      p.error = err instanceof Error ? err.message : String(err);
      p.run = undefined;
    }
  }
  for (let s = 0; s < SAMPLES; s++) {
    for (const p of prepared) {
      if (p.run === undefined) continue;
      const { seconds, records } = await time(p.run);
      p.rates.push(records / seconds);
    }
  }
  const bytesPerRecord = data.bytes / data.lines.length;
  const floorRates = prepared.find((p) => p.c.name === FLOOR)?.rates ?? [];
  const floor = floorRates.length > 0 ? median(floorRates) : null;
  const results = prepared.map(({ c, rates, error }): CaseResult => {
    if (rates.length === 0) {
      return {
        name: c.name,
        description: c.description,
        recordsPerSec: 0,
        bytesPerSec: 0,
        samples: 0,
        spreadPct: 0,
        minRecordsPerSec: 0,
        maxRecordsPerSec: 0,
        vsFloor: null,
        group: file,
        error: error ?? 'no samples',
      };
    }
    const med = median(rates);
    return {
      name: c.name,
      description: c.description,
      recordsPerSec: Math.round(med),
      bytesPerSec: Math.round(med * bytesPerRecord),
      samples: rates.length,
      spreadPct: Math.round(((quantile(rates, 0.75) - quantile(rates, 0.25)) / med) * 1000) / 10,
      minRecordsPerSec: Math.round(Math.min(...rates)),
      maxRecordsPerSec: Math.round(Math.max(...rates)),
      vsFloor: floor === null ? null : Math.round((med / floor) * 100) / 100,
      group: file,
    };
  });
  return { records: data.lines.length, bytesPerRecord, fields: data.fields.length, results };
}

/**
 * Runs each case file in its own process, one after another, on the same seeded data: a case
 * that loads 150 MB of geography or keeps aggregate state would otherwise tax every other case's
 * garbage collection. The floor is re-measured in each process, so every ratio is same-process.
 * A case file may export `nodeArgs`: its process (floor included) runs with those Node flags.
 */
function runGroup(file: string, nodeArgs: readonly string[]): GroupReport {
  const script = fileURLToPath(import.meta.url);
  const args = process.argv
    .slice(2)
    .filter((a, i, all) => a !== '--json' && a !== '--group' && all[i - 1] !== '--group');
  const out = execFileSync(
    process.execPath,
    [...process.execArgv, ...nodeArgs, script, ...args, '--group', file],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return JSON.parse(out) as GroupReport;
}

interface ColdStartResult {
  name: string;
  description: string;
  /** Size of the imported file. */
  bytes: number;
  budgetBytes: number | null;
  targetMs: number | null;
  samples: number;
  /** Median wall time of `await import()`, ms. */
  importMs: number;
  /** (p75 - p25) / median of the import's wall time, in percent. */
  spreadPct: number;
  minImportMs: number;
  maxImportMs: number;
  /** Median CPU time (user + system) of the import, ms. */
  importCpuMs: number;
  /** Median time from process start (performance.timeOrigin) to the module ready, ms. */
  readyMs: number;
  error?: string;
}

/** The child: one import, timed; prints `{ wall, cpu, ready }` in ms. */
const COLD_CHILD = `
const cpu0 = process.cpuUsage();
const t0 = performance.now();
await import(process.argv[1]);
const t1 = performance.now();
const cpu = process.cpuUsage(cpu0);
process.stdout.write(JSON.stringify({ wall: t1 - t0, cpu: (cpu.user + cpu.system) / 1000, ready: t1 }));
`;

function coldSample(c: ColdStartCase): { wall: number; cpu: number; ready: number } {
  const out = execFileSync(
    process.execPath,
    [...(c.nodeArgs ?? []), '--input-type=module', '-e', COLD_CHILD, c.module],
    { encoding: 'utf8', env: { ...process.env, ...c.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return JSON.parse(out) as { wall: number; cpu: number; ready: number };
}

/** Every cold-start case, sampled round-robin in fresh processes. */
function measureColdStarts(cases: readonly ColdStartCase[]): ColdStartResult[] {
  const runs = cases.map((c) => ({
    c,
    wall: [] as number[],
    cpu: [] as number[],
    ready: [] as number[],
    error: existsSync(c.module) ? undefined : `${c.module} is missing: run npm run build`,
  }));
  for (let s = 0; s < COLD_SAMPLES; s++) {
    for (const r of runs) {
      if (r.error !== undefined) continue;
      try {
        const sample = coldSample(r.c);
        r.wall.push(sample.wall);
        r.cpu.push(sample.cpu);
        r.ready.push(sample.ready);
      } catch (err) {
        const stderr = (err as { stderr?: string }).stderr ?? '';
        r.error = stderr.trim().split('\n').at(-1) || (err as Error).message;
      }
    }
  }
  const ms = (x: number) => Math.round(x * 10) / 10;
  return runs.map(({ c, wall, cpu, ready, error }) => {
    const med = wall.length > 0 ? median(wall) : 0;
    return {
      name: c.name,
      description: c.description,
      bytes: existsSync(c.module) ? statSync(c.module).size : 0,
      budgetBytes: c.budgetBytes ?? null,
      targetMs: c.targetMs ?? null,
      samples: wall.length,
      importMs: ms(med),
      spreadPct:
        wall.length > 0 ? Math.round(((quantile(wall, 0.75) - quantile(wall, 0.25)) / med) * 1000) / 10 : 0,
      minImportMs: wall.length > 0 ? ms(Math.min(...wall)) : 0,
      maxImportMs: wall.length > 0 ? ms(Math.max(...wall)) : 0,
      importCpuMs: cpu.length > 0 ? ms(median(cpu)) : 0,
      readyMs: ready.length > 0 ? ms(median(ready)) : 0,
      ...(error !== undefined ? { error } : {}),
    };
  });
}

interface FileCaseResult {
  name: string;
  description: string;
  lines: number;
  bytes: number;
  samples: number;
  /** Medians: wall time (process start included) and CPU time of every thread, seconds. */
  wallSeconds: number;
  cpuSeconds: number;
  /** Lines over those medians. */
  recordsPerWallSecond: number;
  recordsPerCpuSecond: number;
  /** (p75 - p25) / median of the wall time, in percent. */
  spreadPct: number;
  /** Median peak resident set size, bytes. */
  maxRssBytes: number;
  error?: string;
}

/** Printed by every file-case child at exit: its resource usage, after this marker, on stderr. */
const USAGE_MARK = '@@cfrt-bench-usage ';
const USAGE_IMPORT = `data:text/javascript,${encodeURIComponent(
  `process.on('exit', () => process.stderr.write('\\n${USAGE_MARK}' + JSON.stringify(process.resourceUsage()) + '\\n'));`,
)}`;

/** One sample: a fresh process, its report discarded. */
function fileSample(args: readonly string[]): { wall: number; cpu: number; rss: number } {
  const t0 = performance.now();
  const child = spawnSync(process.execPath, ['--import', USAGE_IMPORT, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const wall = (performance.now() - t0) / 1000;
  if (child.status !== 0) {
    throw new Error(child.stderr.trim().split('\n').at(-1) || `exit status ${child.status}`);
  }
  const line = child.stderr.split('\n').find((l) => l.startsWith(USAGE_MARK));
  if (line === undefined) throw new Error('the process reported no resource usage');
  const usage = JSON.parse(line.slice(USAGE_MARK.length)) as NodeJS.ResourceUsage;
  return { wall, cpu: (usage.userCPUTime + usage.systemCPUTime) / 1e6, rss: usage.maxRSS * 1024 };
}

/** Writes the file-case input: `lines` generated lines, the bench's seed and layout. */
function writeLinesFile(path: string, fields: readonly string[], lines: number): number {
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    let chunk: string[] = [];
    const flush = () => {
      const text = chunk.join('');
      bytes += writeSync(fd, text);
      chunk = [];
    };
    for (const l of iterateLines({ fields, count: lines, seed: 42 })) {
      chunk.push(`${l.line}\n`);
      if (chunk.length >= 10_000) flush();
    }
    flush();
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** Every file case over one generated file, sampled in fresh processes, cases in turn. */
function measureFileCases(cases: readonly FileCase[]): FileCaseResult[] {
  const fields = benchFields();
  const dir = mkdtempSync(join(tmpdir(), 'cfrt-bench-'));
  try {
    const file = join(dir, 'lines.tsv');
    const bytes = writeLinesFile(file, fields, FILE_LINES);
    const runs = cases.map((c) => ({
      c,
      wall: [] as number[],
      cpu: [] as number[],
      rss: [] as number[],
      error: c.unavailable() ?? undefined,
    }));
    for (let s = 0; s < FILE_SAMPLES; s++) {
      for (const r of runs) {
        if (r.error !== undefined) continue;
        try {
          const sample = fileSample(r.c.args(file, fields));
          r.wall.push(sample.wall);
          r.cpu.push(sample.cpu);
          r.rss.push(sample.rss);
        } catch (err) {
          r.error = (err as Error).message;
        }
      }
    }
    return runs.map(({ c, wall, cpu, rss, error }) => {
      const w = wall.length > 0 ? median(wall) : 0;
      const t = cpu.length > 0 ? median(cpu) : 0;
      return {
        name: c.name,
        description: c.description,
        lines: FILE_LINES,
        bytes,
        samples: wall.length,
        wallSeconds: Math.round(w * 1000) / 1000,
        cpuSeconds: Math.round(t * 1000) / 1000,
        recordsPerWallSecond: w > 0 ? Math.round(FILE_LINES / w) : 0,
        recordsPerCpuSecond: t > 0 ? Math.round(FILE_LINES / t) : 0,
        spreadPct: w > 0 ? Math.round(((quantile(wall, 0.75) - quantile(wall, 0.25)) / w) * 1000) / 10 : 0,
        maxRssBytes: rss.length > 0 ? Math.round(median(rss)) : 0,
        ...(error !== undefined ? { error } : {}),
      };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function fileCaseTable(results: readonly FileCaseResult[]): string[] {
  const fmt = (n: number) => n.toLocaleString('en-US');
  const rows = results.map((r) =>
    r.error
      ? [r.name, '-', '-', '-', '-', '-', '-', `error: ${r.error}`]
      : [
          r.name,
          `${r.wallSeconds.toFixed(2)} s`,
          `${r.cpuSeconds.toFixed(2)} s`,
          fmt(r.recordsPerWallSecond),
          fmt(r.recordsPerCpuSecond),
          `${r.spreadPct.toFixed(1)}%`,
          `${Math.round(r.maxRssBytes / 2 ** 20)} MB`,
          '',
        ],
  );
  const header = ['file', 'wall', 'CPU', 'records/s', 'records/CPU-s', 'spread', 'peak RSS', ''];
  const last = header.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const first = results[0];
  const out = [
    `Files: ${fmt(first?.lines ?? 0)} lines (${((first?.bytes ?? 0) / 2 ** 20).toFixed(0)} MiB) in one file; median of ${FILE_SAMPLES} fresh processes per case, cases in turn; wall includes process start; CPU = every thread; spread = IQR/median of wall`,
    '',
    line(header).trimEnd(),
    ...rows.map((r) => line(r).trimEnd()),
  ];
  const a = results.find((r) => r.name === 'analyze' && !r.error);
  const d = results.find((r) => r.name === 'peer-duckdb' && !r.error);
  if (a !== undefined && d !== undefined) {
    const x = (n: number) => `${(Math.round(n * 100) / 100).toFixed(2)}x`;
    out.push(
      '',
      `analyze/peer-duckdb: ${x(a.recordsPerWallSecond / d.recordsPerWallSecond)} records/s (wall), ${x(a.recordsPerCpuSecond / d.recordsPerCpuSecond)} records/CPU-s, ${x(a.maxRssBytes / d.maxRssBytes)} the peak memory`,
    );
  }
  return out;
}

async function main(): Promise<void> {
  if (values.group !== undefined) {
    process.stdout.write(JSON.stringify(await measureGroup(values.group)));
    return;
  }
  const results: CaseResult[] = [];
  let shape: Omit<GroupReport, 'results'> | undefined;
  const files = caseFiles();
  const coldCases: ColdStartCase[] = [];
  const fileCases: FileCase[] = [];
  for (const [i, file] of files.entries()) {
    coldCases.push(...(await coldStartsOf(file)).filter((c) => wanted(c.name)));
    fileCases.push(...(await fileCasesOf(file)).filter((c) => wanted(c.name)));
    // A file with no throughput case to run (cold starts only, or none the filter wants) spawns nothing.
    if (!(await casesOf(file)).some((c) => wanted(c.name))) continue;
    if (!values.json) process.stderr.write(`\r${file} (${i + 1}/${files.length})\x1b[K`);
    const { results: group, ...groupShape } = runGroup(file, await nodeArgsOf(file));
    shape ??= groupShape; // every child generates the same seeded data
    // The floor is shown once (from the parse group); the other groups' floors only feed their ratios.
    results.push(...group.filter((r) => r.name !== FLOOR || file === 'parse.ts' || results.length === 0));
  }
  const memoryMb = samMemoryMb();
  for (const r of results)
    if (!r.error && r.recordsPerSec > 0) Object.assign(r, perShard(r.recordsPerSec, memoryMb));
  if (!values.json && fileCases.length > 0) process.stderr.write('\rfiles\x1b[K');
  const fileResults = fileCases.length > 0 ? measureFileCases(fileCases) : [];
  if (!values.json && coldCases.length > 0) process.stderr.write('\rcold starts\x1b[K');
  const coldStarts = measureColdStarts(coldCases);
  if (!values.json) process.stderr.write('\r\x1b[K');

  const rate = (name: string) => results.find((r) => r.name === name && !r.error)?.recordsPerSec;
  const ratio = (a: string, b: string) => {
    const x = rate(a);
    const y = rate(b);
    return x !== undefined && y !== undefined && y > 0 ? Math.round((x / y) * 100) / 100 : null;
  };
  const env = {
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    platform: `${process.platform}-${process.arch}`,
    records: shape?.records ?? 0,
    bytesPerRecord: Math.round(shape?.bytesPerRecord ?? 0),
    layout: `${values.layout} (${shape?.fields ?? 0} fields)`,
    samples: SAMPLES,
    warmup: WARMUP,
    clock: 'process CPU time (user + system)',
    perShard: {
      shardRecordsPerSec: SHARD_RECORDS_PER_SEC,
      lambdaMemoryMb: memoryMb,
      lambdaVcpu: Math.round(Math.min(1, memoryMb / MB_PER_VCPU) * 100) / 100,
    },
  };
  const ratios = {
    'parse/baseline-split': results.find((r) => r.name === 'parse')?.vsFloor ?? null,
    'parse/peer-cloudfront-log-parser': ratio('parse', 'peer-cloudfront-log-parser'),
    'parse-enrich/parse': ratio('parse-enrich', 'parse'),
  };

  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({ ...env, coldSamples: COLD_SAMPLES, cases: results, ratios, files: fileResults, coldStarts }, null, 2)}\n`,
    );
    return;
  }
  const fmt = (n: number) => n.toLocaleString('en-US');
  const rows = results.map((r) =>
    r.error
      ? [r.name, '-', '-', '-', '-', '-', '-', `error: ${r.error}`]
      : [
          r.name,
          fmt(r.recordsPerSec),
          (r.bytesPerSec / 1e6).toFixed(1),
          `${r.spreadPct.toFixed(1)}%`,
          r.vsFloor === null ? '-' : `${r.vsFloor.toFixed(2)}x`,
          r.shardsPerVcpu === undefined ? '-' : r.shardsPerVcpu.toFixed(1),
          r.gbSecondsPerShardHour === undefined ? '-' : r.gbSecondsPerShardHour.toFixed(1),
          '',
        ],
  );
  const header = ['case', 'records/s', 'MB/s', 'spread', 'vs floor', 'shards/vCPU', 'GB-s/shard-h', ''];
  const last = header.length - 1;
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === last ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [`Node ${env.node}, ${env.cpu}, ${env.platform}`];
  if (results.length > 0) {
    out.push(
      `${fmt(env.records)} records, ${env.layout}, ${env.bytesPerRecord} B/record; CPU time; median of ${SAMPLES} samples after ${WARMUP} warm-up runs, spread = IQR/median; each case file in its own process, vs floor = same process`,
      '',
      line(header).trimEnd(),
      ...rows.map((r) => line(r).trimEnd()),
      '',
      `shards/vCPU: Kinesis shards at ${fmt(SHARD_RECORDS_PER_SEC)} records/s one vCPU keeps up with; GB-s/shard-h: Lambda GB-seconds per shard-hour at MemorySize ${fmt(memoryMb)} MB (${env.perShard.lambdaVcpu} vCPU), compute only, this CPU's speed`,
      '',
      ...Object.entries(ratios)
        .filter(([, v]) => v !== null)
        .map(([k, v]) => `${k}: ${v}x`),
    );
  }
  if (fileResults.length > 0) out.push('', ...fileCaseTable(fileResults));
  if (coldStarts.length > 0) out.push('', ...coldStartTable(coldStarts));
  process.stdout.write(`${out.join('\n')}\n`);
}

function coldStartTable(cold: readonly ColdStartResult[]): string[] {
  const kb = (b: number) => `${(b / 1024).toFixed(0)} KB`;
  const rows = cold.map((r) =>
    r.error
      ? [r.name, kb(r.bytes), '-', '-', '-', '-', `error: ${r.error}`]
      : [
          r.name,
          `${kb(r.bytes)}${r.budgetBytes === null ? '' : ` / ${kb(r.budgetBytes)}`}`,
          `${r.importMs.toFixed(1)} ms${r.targetMs === null ? '' : ` / ${r.targetMs} ms`}`,
          `${r.spreadPct.toFixed(1)}%`,
          `${r.importCpuMs.toFixed(1)} ms`,
          `${r.readyMs.toFixed(1)} ms`,
          '',
        ],
  );
  const header = ['cold start', 'size / budget', 'import / target', 'spread', 'import CPU', 'ready', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 6 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    `Cold start: median of ${COLD_SAMPLES} fresh node processes per case, one import each, cases in turn; spread = IQR/median of the import's wall time; ready = from process start`,
    '',
    line(header).trimEnd(),
    ...rows.map((r) => line(r).trimEnd()),
  ];
}

await main();

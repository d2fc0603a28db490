/**
 * The benchmark: every case in bench/cases/*.ts on the same data, in the same process.
 *
 *   npm run bench                      a table
 *   npm run bench -- --json            one JSON document on stdout
 *   npm run bench -- --filter parse,baseline   only cases whose name contains one of these
 *   npm run bench -- --records 50000 --samples 20
 *   npm run bench -- --layout recommended   the 29 recommended fields instead of the 40-field layout
 *
 * Method: the data is generated once (seeded; the 40-field layout of the real records, as Kinesis
 * `data`); each case is prepared, warmed up, then sampled round-robin with the other cases, so drift
 * on a shared machine hits every case alike. Each sample is timed in process CPU time (user +
 * system), not wall time: on a busy machine a descheduled process waits without working, and CPU
 * time does not count that wait (on an idle machine the two agree for these single-threaded cases).
 * Reported: the median of the samples, and the spread as (max - min) / median.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { generateLines } from '../fixtures/generator.js';
import { RECOMMENDED_FIELDS } from '../src/parser/fields.js';
import { splitFieldList } from '../src/parser/layout.js';
import type { BenchCase, BenchData, BenchRun } from './types.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    filter: { type: 'string' },
    records: { type: 'string', default: '20000' },
    samples: { type: 'string', default: '15' },
    warmup: { type: 'string', default: '3' },
    layout: { type: 'string', default: 'fields-40' },
  },
});

const RECORDS = Number(values.records);
const SAMPLES = Number(values.samples);
const WARMUP = Number(values.warmup);

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

async function loadCases(): Promise<BenchCase[]> {
  const dir = new URL('./cases/', import.meta.url);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .sort((a, b) => (a === 'parse.ts' ? -1 : b === 'parse.ts' ? 1 : a.localeCompare(b)));
  const all: BenchCase[] = [];
  for (const file of files) {
    const mod = (await import(new URL(file, dir).href)) as { cases?: BenchCase[] };
    all.push(...(mod.cases ?? []));
  }
  const wanted = values.filter?.split(',') ?? [];
  return wanted.length === 0 ? all : all.filter((c) => wanted.some((w) => c.name.includes(w)));
}

interface CaseResult {
  name: string;
  description: string;
  recordsPerSec: number;
  bytesPerSec: number;
  samples: number;
  /** (max - min) / median of records/s, in percent. */
  spreadPct: number;
  minRecordsPerSec: number;
  maxRecordsPerSec: number;
  error?: string;
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function time(run: BenchRun): Promise<{ seconds: number; records: number }> {
  const start = process.cpuUsage();
  const records = await run();
  const used = process.cpuUsage(start);
  return { seconds: (used.user + used.system) / 1e6, records };
}

async function main(): Promise<void> {
  const data = makeData();
  const cases = await loadCases();
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
    if (!values.json) process.stderr.write(`\rsample ${s + 1}/${SAMPLES}`);
  }
  if (!values.json) process.stderr.write('\r\x1b[K');

  const bytesPerRecord = data.bytes / data.lines.length;
  const results: CaseResult[] = prepared.map(({ c, rates, error }) => {
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
      spreadPct: Math.round(((Math.max(...rates) - Math.min(...rates)) / med) * 1000) / 10,
      minRecordsPerSec: Math.round(Math.min(...rates)),
      maxRecordsPerSec: Math.round(Math.max(...rates)),
    };
  });

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
    records: data.lines.length,
    bytesPerRecord: Math.round(bytesPerRecord),
    layout: `${values.layout} (${data.fields.length} fields)`,
    samples: SAMPLES,
    warmup: WARMUP,
    clock: 'process CPU time (user + system)',
  };
  const ratios = {
    'parse/baseline-split': ratio('parse', 'baseline-split'),
    'parse/peer-cloudfront-log-parser': ratio('parse', 'peer-cloudfront-log-parser'),
    'parse-enrich/parse': ratio('parse-enrich', 'parse'),
  };

  if (values.json) {
    process.stdout.write(`${JSON.stringify({ ...env, cases: results, ratios }, null, 2)}\n`);
    return;
  }
  const baseline = rate('baseline-split');
  const fmt = (n: number) => n.toLocaleString('en-US');
  const rows = results.map((r) =>
    r.error
      ? [r.name, '-', '-', '-', '-', `error: ${r.error}`]
      : [
          r.name,
          fmt(r.recordsPerSec),
          (r.bytesPerSec / 1e6).toFixed(1),
          `${r.spreadPct.toFixed(1)}%`,
          baseline ? `${(r.recordsPerSec / baseline).toFixed(2)}x` : '-',
          '',
        ],
  );
  const header = ['case', 'records/s', 'MB/s', 'spread', 'vs floor', ''];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const out = [
    `Node ${env.node}, ${env.cpu}, ${env.platform}`,
    `${fmt(env.records)} records, ${env.layout}, ${env.bytesPerRecord} B/record; CPU time; median of ${SAMPLES} samples after ${WARMUP} warm-up runs, spread = (max-min)/median`,
    '',
    line(header).trimEnd(),
    ...rows.map((r) => line(r).trimEnd()),
    '',
    ...Object.entries(ratios)
      .filter(([, v]) => v !== null)
      .map(([k, v]) => `${k}: ${v}x`),
  ];
  process.stdout.write(`${out.join('\n')}\n`);
}

await main();

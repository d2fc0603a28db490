/**
 * `cfrt analyze` against DuckDB computing the same report in SQL (bench/peers/duckdb-report.mjs:
 * per-minute requests, bytes, status and cache classes, latency p50/p90/p99, distinct clients; top
 * paths, miss and error paths, clients, referers, user agents, countries and edge locations), on
 * one generated file of `--file-lines` lines written with the bench's layout. Each sample is a fresh
 * process of each case in turn (run.ts, `fileCases`). Both run with their default threads (one per
 * core: `cfrt analyze --threads auto` cuts the file into 64 MiB ranges, the main thread and workers
 * aggregate them) and with one, for the CPU time per record on one core.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { FileCase } from '../types.js';

const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const DUCKDB_REPORT = fileURLToPath(new URL('../peers/duckdb-report.mjs', import.meta.url));

function duckdbMissing(): string | null {
  try {
    createRequire(new URL('../package.json', import.meta.url)).resolve('@duckdb/node-api');
    return null;
  } catch {
    return '@duckdb/node-api is not installed: run npm --prefix bench ci';
  }
}

function analyzeArgs(file: string, fields: readonly string[], threads: string): string[] {
  return [
    CLI,
    'analyze',
    '--fields',
    fields.join(','),
    '--format',
    'json',
    '--no-progress',
    '--threads',
    threads,
    file,
  ];
}

const cliMissing = (): string | null => (existsSync(CLI) ? null : `${CLI} is missing: run npm run build`);

export const fileCases: FileCase[] = [
  {
    name: 'analyze',
    description:
      'cfrt analyze --format json (the built CLI, --threads auto, the default: one thread per core): the whole report',
    args: (file, fields) => analyzeArgs(file, fields, 'auto'),
    unavailable: cliMissing,
  },
  {
    name: 'analyze-1-thread',
    description: 'as analyze with --threads 1 (the same 64 MiB ranges, one after another on the main thread)',
    args: (file, fields) => analyzeArgs(file, fields, '1'),
    unavailable: cliMissing,
  },
  {
    name: 'peer-duckdb',
    description: 'DuckDB 1.5 (@duckdb/node-api), the same figures in SQL, default threads (one per core)',
    args: (file, fields) => [DUCKDB_REPORT, file, fields.join(',')],
    unavailable: duckdbMissing,
  },
  {
    name: 'peer-duckdb-1-thread',
    description: 'as peer-duckdb with threads = 1',
    args: (file, fields) => [DUCKDB_REPORT, file, fields.join(','), '1'],
    unavailable: duckdbMissing,
  },
];

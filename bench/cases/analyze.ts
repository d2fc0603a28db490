/**
 * `cfrt analyze` against DuckDB computing the same report in SQL (bench/peers/duckdb-report.mjs:
 * per-minute requests, bytes, status and cache classes, latency p50/p90/p99, distinct clients; top
 * paths, miss and error paths, clients, referers, user agents, countries and edge locations), on
 * one generated file of `--file-lines` lines written with the bench's layout. Each sample is a fresh
 * process of each case in turn (run.ts, `fileCases`); DuckDB runs with its default threads (one per
 * core) and with one, for its CPU time per record on one core.
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

export const fileCases: FileCase[] = [
  {
    name: 'analyze',
    description: 'cfrt analyze --format json (the built CLI, one thread): the whole report',
    args: (file, fields) => [
      CLI,
      'analyze',
      '--fields',
      fields.join(','),
      '--format',
      'json',
      '--no-progress',
      file,
    ],
    unavailable: () => (existsSync(CLI) ? null : `${CLI} is missing: run npm run build`),
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

/**
 * `cfrt replay --archive DIR`: the records the handler puts on its processed stream, laid out in
 * DIR exactly as the archive tier's Firehose writes S3 (records/dt=YYYY-MM-DD/hour=HH/*.json.gz,
 * by event time). Read back independently of the library's layout code: every parsed line is
 * there exactly once, in the partition of its own event time; a record without a time is under
 * errors/, with its raw data.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import type { ReplayResult } from '../../src/cli/replay.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS = readFileSync(join(ROOT, 'fixtures/sample/fields.txt'), 'utf8').trim();
const fields = FIELDS.split(',');
const ID = fields.indexOf('x-edge-request-id');
const TIME = fields.indexOf('timestamp');

// Over two hours of event time (crossing an hour and a day boundary in UTC), a few malformed lines.
const generated = generateLines({
  fields,
  count: 900,
  seed: 16,
  requestsPerSecond: 0.1,
  malformedRate: 0.01,
});
// Three records without a time (`-`): processed and kept, but no partition can name them.
const untimed = new Set<number>([10, 400, 899].filter((i) => generated[i]!.expected !== null));
const lines = generated.map((g, i) => {
  if (!untimed.has(i)) return g.line;
  const cols = g.line.split('\t');
  cols[TIME] = '-';
  return cols.join('\t');
});
const parsed = generated.flatMap((g, i) =>
  g.expected === null ? [] : [{ id: String(g.expected['x-edge-request-id']), index: i }],
);

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Every file under `dir`, as paths relative to it. */
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));

describe('cfrt replay --archive', () => {
  it('writes every processed record once, in the partition of its event time, as Firehose lays out S3', async () => {
    const work = mkdtempSync(join(tmpdir(), 'cfrt-replay-archive-'));
    dirs.push(work);
    const input = join(work, 'logs.tsv');
    writeFileSync(input, `${lines.join('\n')}\n`);
    const archive = join(work, 'archive');
    const result = await runCli(
      [
        'replay',
        '--fields',
        FIELDS,
        '--shards',
        '2',
        '--batch-size',
        '200',
        '--format',
        'json',
        '--archive',
        archive,
        input,
      ],
      { nodeArgs: ['--no-warnings'] },
    );
    expect(result.code, result.stderr).toBe(0);
    const r = JSON.parse(result.stdout) as ReplayResult;
    expect(r.mapping.discarded).toBe(0);

    const seen = new Map<string, number>();
    const partitions = new Set<string>();
    const failed: Record<string, unknown>[] = [];
    for (const file of filesUnder(archive)) {
      expect(file).toMatch(/\.json\.gz$/);
      const text = gunzipSync(readFileSync(join(archive, file))).toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      const records = text
        .slice(0, -1)
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const hive =
        /^records\/dt=(\d{4}-\d\d-\d\d)\/hour=(\d\d)\/cfrt-replay-archive-1-\d{4}(-\d\d){5}-[0-9a-f-]{36}\.json\.gz$/.exec(
          file,
        );
      if (hive === null) {
        expect(file).toMatch(/^errors\/partitioning-failed\/dt=\d{4}-\d\d-\d\d\//);
        for (const e of records)
          failed.push(JSON.parse(Buffer.from(String(e.rawData), 'base64').toString('utf8')));
        continue;
      }
      partitions.add(`${hive[1]}/${hive[2]}`);
      for (const record of records) {
        // The partition is the record's own event time, in UTC: not when it arrived.
        const iso = new Date(record.timestamp as number).toISOString();
        expect(`${iso.slice(0, 10)}/${iso.slice(11, 13)}`, file).toBe(`${hive[1]}/${hive[2]}`);
        const id = String(record['x-edge-request-id']);
        seen.set(id, (seen.get(id) ?? 0) + 1);
        // Processed, not raw: derived keys, and the client address protected (truncated by default).
        expect(record).toHaveProperty('statusClass');
        expect(String(record['c-ip'] ?? '0.0.0.0')).not.toMatch(/\.(?!0$)\d+$|:[1-9a-f][^:]*$/);
      }
    }
    const timed = parsed.filter((p) => !untimed.has(p.index));
    expect(seen.size).toBe(timed.length);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    for (const p of timed) expect(seen.has(p.id), String(p.index)).toBe(true);
    expect(failed.map((f) => f['x-edge-request-id']).sort()).toEqual(
      [...untimed].map((i) => generated[i]!.line.split('\t')[ID]).sort(),
    );
    expect(failed.every((f) => f.timestamp === null)).toBe(true);
    // 900 lines 10 s apart: two and a half hours, so three or four hourly partitions.
    expect(partitions.size).toBeGreaterThanOrEqual(3);
    expect(r.archive).toEqual({
      dir: archive,
      records: parsed.length,
      objects: partitions.size + 1,
      partitions: partitions.size,
      failed: untimed.size,
    });
  }, 120_000);
});

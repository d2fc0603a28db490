/**
 * The archive's layout as values (src/sinks/archive-layout.ts): every record once, in the
 * partition of its event time, gzip JSON lines as the Kinesis sink wrote them; and the partition
 * Firehose computes with the template's jq query is the one the library computes.
 */
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ARCHIVE_ERROR_PREFIX,
  ARCHIVE_FILE_EXTENSION,
  ARCHIVE_PARTITION_QUERY,
  ARCHIVE_PREFIX,
  archivePartition,
  layOutArchive,
  PARTITIONING_FAILED,
} from '../../src/sinks/archive-layout.js';

const lines = (body: Uint8Array): string[] =>
  gunzipSync(body)
    .toString('utf8')
    .split('\n')
    .filter((l) => l !== '');

/** Event times around now, a leap day, year ends, and a few without a time. */
const timestamp = fc.oneof(
  { weight: 8, arbitrary: fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2030, 0, 1) }) },
  { weight: 1, arbitrary: fc.constantFrom(Date.UTC(2024, 1, 29, 23, 59, 59, 999), Date.UTC(2025, 0, 1)) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const records = fc.array(
  fc.record({ timestamp, 'x-edge-request-id': fc.uuid(), 'cs-uri-stem': fc.string() }),
  { maxLength: 60 },
);

describe('layOutArchive', () => {
  it('puts every record exactly once in the partition of its event time, as written', () => {
    fc.assert(
      fc.property(records, (input) => {
        const texts = input.map((r) => `${JSON.stringify(r)}\n`);
        const objects = layOutArchive(texts, { deliveredAt: new Date(Date.UTC(2026, 11, 2, 4, 5, 6)) });
        const found: string[] = [];
        for (const o of objects) {
          expect(o.key.endsWith(ARCHIVE_FILE_EXTENSION)).toBe(true);
          const inside = lines(o.body);
          expect(inside).toHaveLength(o.records);
          if (o.key.startsWith(ARCHIVE_ERROR_PREFIX)) {
            expect(o.key).toMatch(
              /^errors\/partitioning-failed\/dt=2026-12-02\/cfrt-archive-1-2026-12-02-04-05-06-/,
            );
            for (const l of inside) {
              const raw = Buffer.from((JSON.parse(l) as { rawData: string }).rawData, 'base64').toString();
              expect((JSON.parse(raw) as { timestamp: unknown }).timestamp).toBeNull();
              found.push(raw);
            }
            continue;
          }
          const [, partition] =
            /^records\/(dt=\d{4}-\d\d-\d\d\/hour=\d\d\/)cfrt-archive-1-/.exec(o.key) ?? [];
          expect(partition, o.key).toBeDefined();
          for (const l of inside) {
            expect(archivePartition((JSON.parse(l) as { timestamp: number }).timestamp)).toBe(partition);
            found.push(`${l}\n`);
          }
        }
        expect(found.sort()).toEqual([...texts].sort());
        // One object per partition: the keys are distinct.
        expect(new Set(objects.map((o) => o.key)).size).toBe(objects.length);
      }),
    );
  });

  it('names partitions in UTC, Hive style', () => {
    expect(archivePartition(1600299221087)).toBe('dt=2020-09-16/hour=23/');
    expect(archivePartition(Date.UTC(2024, 1, 29, 0, 0, 0))).toBe('dt=2024-02-29/hour=00/');
    expect(archivePartition(null)).toBeNull();
    expect(archivePartition('1600299221087')).toBeNull();
    expect(archivePartition(Number.NaN)).toBeNull();
    expect(ARCHIVE_PREFIX).toBe('records/');
    expect(PARTITIONING_FAILED).toBe('partitioning-failed');
  });

  const jq = spawnSync('jq', ['--version'], { encoding: 'utf8' });
  const hasJq = jq.status === 0 && /jq-1\.6/.test(jq.stdout);

  // Firehose runs the query with jq 1.6; when that jq is on the PATH the query itself is checked.
  it.skipIf(!hasJq)('agrees with jq 1.6 running the template query, record by record', () => {
    const samples = fc.sample(timestamp, { numRuns: 400, seed: 16 });
    samples.push(0, 999, -1, -1000, -1001, 1600299221087.9, Date.UTC(9999, 11, 31, 23, 59, 59));
    const input = samples.map((t) => JSON.stringify({ timestamp: t })).join('\n');
    const out = spawnSync('jq', ['-c', `try (${ARCHIVE_PARTITION_QUERY}) catch "failed"`], {
      input,
      encoding: 'utf8',
    });
    expect(out.status, out.stderr).toBe(0);
    const got = out.stdout.trim().split('\n');
    expect(got).toHaveLength(samples.length);
    got.forEach((text, i) => {
      const value = JSON.parse(text) as { dt: string; hour: string } | 'failed';
      const expected = archivePartition(samples[i]);
      expect(value === 'failed' ? null : `dt=${value.dt}/hour=${value.hour}/`, String(samples[i])).toBe(
        expected,
      );
    });
  });
});

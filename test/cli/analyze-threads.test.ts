/**
 * `cfrt analyze --threads` on the built CLI, where ranges run on worker threads
 * (dist/cli/analyze-worker.js): the report is byte for byte the same for every thread count, a
 * file smaller than one range reports exactly what reading it whole always did, and a failure in a
 * worker ends the command with `cfrt`'s usual message, never a hang.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS_FILE = join(ROOT, 'fixtures/sample/fields.txt');
const FIELDS = readFileSync(FIELDS_FILE, 'utf8').trim().split(',');
const dir = mkdtempSync(join(tmpdir(), 'cfrt-threads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = generateLines({ fields: FIELDS, count: 6000, seed: 21, malformedRate: 0.01 }).map(
  (g) => g.line,
);
// Out of order (the first fifth last: late records across ranges), CRLF here and there, no final newline.
const text = [...lines.slice(1200), ...lines.slice(0, 1200)]
  .map((l, i) => (i % 41 === 0 ? `${l}\r` : l))
  .join('\n');
const FILE = join(dir, 'lines.tsv');
writeFileSync(FILE, text);
const BYTES = Buffer.byteLength(text);

const base = ['analyze', '--fields-file', FIELDS_FILE, '--no-progress', '--allowed-lateness', '0'];

describe('cfrt analyze --threads (built CLI)', () => {
  it('prints byte-identical reports for 1, 2 and 4 threads, with many ranges', async () => {
    const cut = ['--range-bytes', String(Math.ceil(BYTES / 13)), '--dimension', 'country'];
    const runs = await Promise.all(
      ['1', '2', '4'].map((t) => runCli([...base, ...cut, '--format', 'json', '--threads', t, FILE])),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs[1]!.stdout).toBe(runs[0]!.stdout);
    expect(runs[2]!.stdout).toBe(runs[0]!.stdout);
    const report = JSON.parse(runs[0]!.stdout) as { records: number; malformed: number };
    expect(report.records + report.malformed).toBe(6000);
  }, 120_000);

  it('the table (malformed lines with their line numbers, late records, findings) is the same too', async () => {
    const cut = ['--range-bytes', '100000', '--format', 'table', '--findings', '--client-rpm', '20'];
    const one = await runCli([...base, ...cut, '--threads', '1', FILE]);
    const four = await runCli([...base, ...cut, '--threads', '4', FILE]);
    expect(one.code, one.stderr).toBe(0);
    expect(four.stdout).toBe(one.stdout);
    expect(one.stdout).toMatch(/line \d+/);
    expect(one.stdout).toMatch(/Findings: [1-9]/);
  }, 120_000);

  it('a file smaller than one range reports what reading it whole from stdin does', async () => {
    const piped = await runCli([...base, '--format', 'json'], { input: text });
    const file = await runCli([...base, '--format', 'json', '--threads', '4', FILE]);
    expect(file.code, file.stderr).toBe(0);
    const strip = (s: string) => {
      const { inputs: _, ...rest } = JSON.parse(s) as Record<string, unknown>;
      return rest;
    };
    expect(strip(file.stdout)).toEqual(strip(piped.stdout));
  }, 60_000);

  it('--stats reports the whole process, workers included', async () => {
    const r = await runCli([
      ...base,
      '--format',
      'json',
      '--stats',
      '--range-bytes',
      '200000',
      '--threads',
      '2',
      FILE,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const stats = JSON.parse(r.stderr.trim().split('\n').at(-1)!) as { records: number; maxRssBytes: number };
    expect(stats.records).toBeGreaterThan(5000);
    expect(stats.maxRssBytes).toBeGreaterThan(0);
  }, 60_000);

  it('a corrupt gzip read by a worker fails as it does on one thread: exit 2, named, no hang', async () => {
    const gz = join(dir, 'broken.tsv.gz');
    writeFileSync(gz, Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x01, 0x02, 0x03]));
    const args = [...base, '--format', 'json', '--range-bytes', '100000', FILE, gz];
    const many = await runCli([...args, '--threads', '3']);
    const one = await runCli([...args, '--threads', '1']);
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('broken.tsv.gz: not a valid gzip stream');
    expect(many.stderr).toBe(one.stderr);
    expect(many.stdout).toBe('');
  }, 60_000);

  it('refuses a --threads or --range-bytes it cannot use', async () => {
    const zero = await runCli([...base, '--threads', '0', FILE]);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toContain('--threads');
    const word = await runCli([...base, '--range-bytes', 'lots', FILE]);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('--range-bytes');
  });

  it('--help documents --threads', async () => {
    const r = await runCli(['--help']);
    expect(r.stdout).toContain('--threads auto|<n>');
    expect(r.stdout).toContain('--range-bytes <n>');
  });
});

/**
 * `cfrt replay` end to end: the built CLI starts kinesalite and dynalite, puts generated lines
 * into a stream across shards, drives the real handler like Lambda's event source mapping, and
 * reports what it read back from DynamoDB. With faults injected in front of DynamoDB and the
 * quarantine stream, retries must still leave every window exact.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { UsageError } from '../../src/cli/errors.js';
import { parseReplayArgs, type ReplayResult } from '../../src/cli/replay.js';
import { oracleOf } from './oracle.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS = readFileSync(join(ROOT, 'fixtures/sample/fields.txt'), 'utf8').trim();
const lines = generateLines({
  fields: FIELDS.split(','),
  count: 2_500,
  seed: 5,
  requestsPerSecond: 10,
  malformedRate: 0.01,
});
const records = lines.flatMap((l) => (l.expected === null ? [] : [l.expected]));

describe('cfrt replay: its command line', () => {
  it('checks every flag against the declaration of the option it sets, all at once', () => {
    let error: unknown;
    try {
      parseReplayArgs(['--window', '0', '--shards', '99', '--fault-rate', '1', '--format', 'xml']);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).issues.map((i) => [i.name, i.message])).toEqual([
      ['--window', 'must be a whole number of seconds from 1 to 86400 (one day); got 0'],
      ['--shards', 'must be a whole number from 1 to 64; got 99'],
      ['--fault-rate', 'must be from 0 to below 1; got 1'],
      ['--format', 'must be table or json; got "xml"'],
    ]);
    expect(parseReplayArgs(['--window', '300', '--sampling-rate', '12.5'])).toMatchObject({
      windowSeconds: 300,
      samplingRate: 12.5,
      shards: 2,
      batchSize: 100,
      faultRate: 0,
      format: 'table',
    });
  });
});

describe('cfrt replay', () => {
  it('lands every parsed line exactly once in DynamoDB and quarantines the rest, through injected faults', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfrt-replay-'));
    const input = join(dir, 'logs.tsv');
    writeFileSync(input, `${lines.map((l) => l.line).join('\n')}\n`);
    const result = await runCli(
      [
        'replay',
        '--fields',
        FIELDS,
        '--shards',
        '3',
        '--batch-size',
        '50',
        '--fault-rate',
        '0.3',
        '--format',
        'json',
        input,
      ],
      { nodeArgs: ['--no-warnings'] },
    );
    expect(result.code, result.stderr).toBe(0);
    const r = JSON.parse(result.stdout) as ReplayResult;

    expect(r.lines).toBe(lines.length);
    expect(r.shards).toBe(3);
    // 30% of the handler's writes fail: a batch fails an invocation (3 attempts) about 3-5% of the
    // time, so the mapping retries now and then, and six failures in a row (a discard) are ~1e-8.
    expect(r.faults).toBeGreaterThan(0);
    expect(r.mapping.discarded).toBe(0);
    expect(r.mapping.delivered).toBeGreaterThanOrEqual(lines.length);

    const { totals, windows } = oracleOf(records);
    expect(r.totals.requests).toBe(totals.requests);
    expect(r.totals.bytesOut).toBe(totals.bytesOut);
    expect(r.totals.bytesIn).toBe(totals.bytesIn);
    expect(r.totals.status).toEqual(totals.status);
    expect(r.windows.map((w) => w.start)).toEqual([...windows.keys()]);
    for (const w of r.windows) {
      const o = windows.get(w.start)!;
      expect(w.requests, `window ${w.start}`).toBe(o.requests);
      expect(w.bytesOut).toBe(o.bytesOut);
      expect(w.status).toEqual(o.status);
      expect(w.cacheHitRatio).toBeCloseTo(o.cacheHitRatio ?? Number.NaN, 12);
    }

    expect(r.quarantined.count).toBe(lines.length - records.length);
    for (const q of r.quarantined.examples) expect(q.reason).not.toBe('');
    expect(r.emf.lines).toBeGreaterThan(0);
    expect(r.emf.metrics).toEqual(expect.arrayContaining(['Requests', 'CacheHitRate', 'TimeTaken']));
  }, 120_000);

  it('prints a readable account of what landed', async () => {
    const result = await runCli(['replay', '--limit', '400', '--batch-size', '100'], {
      nodeArgs: ['--no-warnings'],
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('Windows read back from DynamoDB');
    expect(result.stdout).toMatch(
      /Every line landed exactly once: [\d,]+ counted \+ \d+ quarantined = 400 put\./,
    );
    expect(result.stdout).toMatch(/EMF: \d+ lines with \d+ metrics/);
  }, 120_000);
});

describe('cfrt replay across a field-list change', () => {
  it('counts every line of the old and the new layout, mixed mid-stream; a line too long to put is counted apart', async () => {
    const oldFields = FIELDS.split(',').filter((f) => f !== 'asn');
    const oldLines = generateLines({ fields: oldFields, count: 300, seed: 6, requestsPerSecond: 10 });
    const newLines = generateLines({ fields: FIELDS.split(','), count: 300, seed: 7, requestsPerSecond: 10 });
    // Old first, then alternating (the config reaching edge after edge), then new.
    const mixed = [
      ...oldLines.slice(0, 100),
      ...oldLines.slice(100).flatMap((l, i) => [l, newLines[i]!]),
      ...newLines.slice(200),
    ].map((g) => g.line);
    const dir = mkdtempSync(join(tmpdir(), 'cfrt-replay-layouts-'));
    const input = join(dir, 'logs.tsv');
    const long = 'x'.repeat(2 * 1024 * 1024);
    writeFileSync(input, `${mixed.slice(0, 300).join('\n')}\n${long}\n${mixed.slice(300).join('\n')}\n`);
    const result = await runCli(
      [
        'replay',
        '--fields',
        FIELDS,
        '--previous-fields',
        oldFields.join(','),
        '--shards',
        '2',
        '--format',
        'json',
        input,
      ],
      { nodeArgs: ['--no-warnings'] },
    );
    expect(result.code, result.stderr).toBe(0);
    const r = JSON.parse(result.stdout) as ReplayResult;
    expect(r.lines).toBe(600);
    expect(r.quarantined.count).toBe(0);
    expect(r.totals.requests).toBe(600);
    expect(r.tooLong).toEqual({
      count: 1,
      examples: [`${input}: line 301: line too long: ${2 * 1024 * 1024} bytes`],
    });
  }, 120_000);
});

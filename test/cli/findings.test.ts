/**
 * `cfrt analyze --findings`: the built CLI on generated traffic with injected floods, in any line
 * order, gives the findings the scheduled detector would (the same pure detector, the same
 * baseline rule), and its flags are checked like every other.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import type { Finding } from '../../src/detect/types.js';
import type { AnalyzeJson } from '../../src/report/report.js';
import { runCli } from './run-cli.js';

const FIELDS = [
  'timestamp',
  'c-ip',
  'sc-status',
  'sc-bytes',
  'cs-uri-stem',
  'cs-uri-query',
  'cs-user-agent',
  'x-edge-result-type',
  'time-taken',
  'cache-behavior-path-pattern',
];
const MINUTE = 60_000;
const T0 = Date.UTC(2026, 10, 2, 12, 0, 0);

function withColumns(line: string, ip: string, timestampMs: number): string {
  const cols = line.split('\t');
  cols[FIELDS.indexOf('c-ip')] = ip;
  cols[FIELDS.indexOf('timestamp')] = (timestampMs / 1000).toFixed(3);
  return cols.join('\t');
}

/** Eight minutes at 10 requests a second; bots replaced by a browser so no crawler claim is judged. */
function traffic(): string[] {
  const clean = (g: { line: string; expected: Record<string, unknown> | null }) =>
    !/Googlebot|bingbot/.test(String(g.expected?.['cs-user-agent'] ?? ''));
  const normal = generateLines({ fields: FIELDS, count: 4_800, seed: 31, startMs: T0, requestsPerSecond: 10 })
    .filter(clean)
    .map((g) => g.line);
  const extra = generateLines({ fields: FIELDS, count: 3_000, seed: 32, startMs: T0 }).filter(clean);
  // Minute 6: 1,500 requests from one IPv4 /24 and 1,300 from one IPv6 /48.
  const v4 = extra
    .slice(0, 1_500)
    .map((g, i) => withColumns(g.line, `198.51.100.${i % 200}`, T0 + 6 * MINUTE + i * 30));
  const v6 = extra
    .slice(1_500, 2_800)
    .map((g, i) => withColumns(g.line, `2001:db8:77:${(i % 50).toString(16)}::1`, T0 + 6 * MINUTE + i * 40));
  return [...normal, ...v4, ...v6];
}

let dir = '';
let ordered = '';
let shuffled = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfrt-findings-'));
  const lines = traffic();
  ordered = join(dir, 'ordered.tsv');
  writeFileSync(ordered, `${lines.join('\n')}\n`);
  // Reversed: every window arrives in pieces, after later ones.
  shuffled = join(dir, 'reversed.tsv');
  writeFileSync(shuffled, `${[...lines].reverse().join('\n')}\n`);
});

async function findings(file: string, extra: string[] = []): Promise<Finding[]> {
  const run = await runCli([
    'analyze',
    '--fields',
    FIELDS.join(','),
    '--findings',
    '--format',
    'json',
    '--no-progress',
    '--allowed-lateness',
    '3600',
    ...extra,
    file,
  ]);
  expect(run.code, run.stderr).toBe(0);
  const json = JSON.parse(run.stdout) as AnalyzeJson;
  expect(json.findings).toBeDefined();
  return json.findings ?? [];
}

describe('cfrt analyze --findings', () => {
  it('names the two flooding networks of minute 6 and nothing in the normal traffic', async () => {
    const found = await findings(ordered);
    expect(found.map((f) => [f.kind, f.window.start, f.subject.cidr])).toEqual([
      ['client-flood', new Date(T0 + 6 * MINUTE).toISOString(), '198.51.100.0/24'],
      ['client-flood', new Date(T0 + 6 * MINUTE).toISOString(), '2001:db8:77::/48'],
    ]);
    expect(found.map((f) => f.measure.value)).toEqual([1_500, 1_300]);
  });

  it('gives the same findings, ids included, whatever the line order', async () => {
    expect(await findings(shuffled)).toEqual(await findings(ordered));
  });

  it('takes its thresholds as flags', async () => {
    const found = await findings(ordered, ['--client-rpm', '1400']);
    expect(found.map((f) => f.subject.cidr)).toEqual(['198.51.100.0/24']);
  });

  it('shows findings in the table report, and says when there are none', async () => {
    const run = await runCli([
      'analyze',
      '--fields',
      FIELDS.join(','),
      '--findings',
      '--no-progress',
      ordered,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /Findings: 2\n\s+critical\s+client-flood\s+Client 198\.51\.100\.0\/24 sent at least 1,500/,
    );
    const none = await runCli([
      'analyze',
      '--fields',
      FIELDS.join(','),
      '--findings',
      '--client-rpm',
      '100000',
      '--no-progress',
      ordered,
    ]);
    expect(none.stdout).toMatch(/Findings: none/);
  });

  it('finds nothing in normal generated traffic, at several rates and seeds', async () => {
    for (const [seed, rps] of [
      [1, 200],
      [7, 50],
      [42, 20],
    ] as const) {
      const lines = generateLines({ fields: FIELDS, count: 30_000, seed, requestsPerSecond: rps }).map(
        (g) => g.line,
      );
      const file = join(dir, `normal-${seed}.tsv`);
      writeFileSync(file, `${lines.join('\n')}\n`);
      expect(await findings(file, ['--dimension', 'behavior']), `seed ${seed} at ${rps}/s`).toEqual([]);
    }
  });

  it('refuses detector flags without --findings, and bad thresholds, saying what to change', async () => {
    const stray = await runCli(['analyze', '--fields', FIELDS.join(','), '--client-rpm', '5', ordered]);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toMatch(/--client-rpm tunes the findings detector: add --findings/);
    const bad = await runCli([
      'analyze',
      '--fields',
      FIELDS.join(','),
      '--findings',
      '--error-rate',
      '7',
      ordered,
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--error-rate/);
  });
});

/**
 * The `cfrt parse` contract, checked on the built CLI (npm test builds before vitest).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLines, iterateLines } from '../../fixtures/generator.js';
import { createParser, splitFieldList } from '../../src/index.js';
import { CLI as cli, runCli } from './run-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const realDir = join(root, 'fixtures/real');
const realFields = readFileSync(join(realDir, 'fields.txt'), 'utf8').trim();
const realFiles = ['datadog-200-miss.tsv', 'datadog-304-refreshhit.tsv', 'kinesis-http11-query.tsv'].map(
  (f) => join(realDir, f),
);

const run = (args: readonly string[], input?: string | Buffer, nodeArgs: string[] = []) =>
  runCli(args, { input, nodeArgs });

const ndjson = (text: string) =>
  text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'cfrt-parse-'));
});

describe('cfrt parse', () => {
  it('writes one JSON object per line, keys in delivery order, values as the library parses them', async () => {
    const result = await run(['parse', '--fields', realFields, ...realFiles]);
    expect(result.code).toBe(0);
    const parser = createParser(splitFieldList(realFields));
    const expected = realFiles.map((f) => parser.parseLineOrThrow(readFileSync(f, 'utf8')));
    const lines = ndjson(result.stdout);
    expect(lines).toEqual(expected);
    expect(Object.keys(lines[0]!)).toEqual(parser.layouts[0]!.fields);
    expect(lines[1]).toMatchObject({ timestamp: 1600299221087, 'sc-status': 304, 'time-taken': 0.14 });
    expect(result.stderr).toBe('records: 3, malformed: 0\n');
  });

  it('takes the field list comma- or space-separated, in any order', async () => {
    const shuffled = splitFieldList(realFields).reverse().join(' ');
    const a = await run(['parse', '--fields', realFields, realFiles[0]!]);
    const b = await run(['parse', '--fields', shuffled, realFiles[0]!]);
    expect(b.stdout).toBe(a.stdout);
    expect(b.stdout).not.toBe('');
  });

  it('reads stdin when no file is given, and gzip detected by its magic bytes', async () => {
    const text = realFiles.map((f) => readFileSync(f, 'utf8')).join('');
    const plain = await run(['parse', '--fields', realFields], text);
    const gzStdin = await run(['parse', '--fields', realFields], gzipSync(text));
    const gzPath = join(tmp, 'records.log.gz');
    writeFileSync(gzPath, gzipSync(text));
    const gzFile = await run(['parse', '--fields', realFields, gzPath]);
    expect(ndjson(plain.stdout)).toHaveLength(3);
    expect(gzStdin.stdout).toBe(plain.stdout);
    expect(gzFile.stdout).toBe(plain.stdout);
  });

  it('reports malformed lines as "line N: reason" counting across files, skips blank lines, exits 0', async () => {
    const a = join(tmp, 'a.log');
    const b = join(tmp, 'b.log');
    writeFileSync(a, '1600299221.087\t200\r\n\n1600299221.1\t2x0\n');
    writeFileSync(b, '1600299222.000\t404\n1600299222.000\n');
    const result = await run(['parse', '--fields', 'sc-status,timestamp', a, b]);
    expect(result.code).toBe(0);
    expect(ndjson(result.stdout)).toEqual([
      { timestamp: 1600299221087, 'sc-status': 200 },
      { timestamp: 1600299222000, 'sc-status': 404 },
    ]);
    expect(result.stderr).toBe(
      [
        'line 3: sc-status: "2x0" is not an integer (1-15 digits)',
        'line 5: 1 column fit no layout (expected 2 tab-separated columns)',
        'records: 2, malformed: 2',
        '',
      ].join('\n'),
    );
  });

  it('stops at the first malformed line with --strict and exits 1', async () => {
    const result = await run(
      ['parse', '--strict', '--fields', 'timestamp,sc-status'],
      '1.000\t200\nx\t1\n2.000\t200\n',
    );
    expect(result.code).toBe(1);
    expect(ndjson(result.stdout)).toEqual([{ timestamp: 1000, 'sc-status': 200 }]);
    expect(result.stderr).toContain('line 2: timestamp: "x" is not epoch seconds');
  });

  it('exits 2 with the field list problems, before reading any input', async () => {
    const result = await run(['parse', '--fields', 'date,time,cs-uri-stem'], '');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"date" is a CloudFront standard-log field');
    const missing = await run(['parse'], '');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('needs --fields');
  });

  it('names a truncated gzip file instead of crashing, after the lines it could read', async () => {
    const path = join(tmp, 'truncated.log.gz');
    const whole = gzipSync('1.000\t200\n'.repeat(5_000));
    writeFileSync(path, whole.subarray(0, whole.length - 12));
    const result = await run(['parse', '--fields', 'timestamp,sc-status', path]);
    expect(result.code).toBe(2);
    const written = ndjson(result.stdout);
    expect(written.length).toBeGreaterThan(0);
    expect(written.length).toBeLessThan(5_000);
    expect(written[0]).toEqual({ timestamp: 1000, 'sc-status': 200 });
    expect(result.stderr).toContain(`records: ${written.length}, malformed: 0`);
    expect(result.stderr).toContain(`cfrt: ${path}: not a valid gzip stream (unexpected end of file).`);
    expect(result.stderr).not.toContain('    at ');
  });

  it('keeps unknown names as raw text with --delivery-order', async () => {
    const result = await run(
      ['parse', '--delivery-order', '--fields', 'sc-status,new-field'],
      '200\ta%20b\n',
    );
    expect(ndjson(result.stdout)).toEqual([{ 'sc-status': 200, 'new-field': 'a%20b' }]);
  });

  it('streams: peak memory stays flat on input far larger than itself', async () => {
    const fields = splitFieldList(realFields);
    const lines = generateLines({ fields, count: 2_000, seed: 5 }).map((l) => `${l.line}\n`);
    const chunk = lines.join('');
    const repeats = Math.ceil((160 * 1024 * 1024) / chunk.length); // ~160 MB of input
    const input = Readable.from(
      (function* () {
        for (let i = 0; i < repeats; i++) yield chunk;
      })(),
    );
    // A preload reports the CLI's peak RSS at exit; the CLI itself is unchanged.
    const report =
      "process.on('exit',()=>process.stderr.write('maxrss_kb='+process.resourceUsage().maxRSS+'\\n'))";
    const result = await new Promise<{ rss: number; records: string }>((resolve, reject) => {
      const child = spawn(
        process.execPath,
        [
          '--import',
          `data:text/javascript,${encodeURIComponent(report)}`,
          cli,
          'parse',
          '--fields',
          realFields,
        ],
        {
          stdio: ['pipe', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stdout.resume(); // discard the NDJSON: only the CLI's memory is measured
      child.stderr.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      child.on('error', reject);
      child.on('close', () => {
        resolve({
          rss: Number(/maxrss_kb=(\d+)/.exec(stderr)?.[1] ?? Number.NaN),
          records: stderr.split('\n')[0] ?? '',
        });
      });
      input.pipe(child.stdin);
    });
    expect(result.records).toBe(`records: ${repeats * 2_000}, malformed: 0`);
    // ~160 MB in; a CLI that buffered its input would hold several times that.
    expect(result.rss).toBeLessThan(150 * 1024);
  });
});

describe('the generator round trip through the CLI', () => {
  it('parses every generated line back to its expected record', async () => {
    const fields = [
      'timestamp',
      'c-ip',
      'sc-status',
      'cs-uri-stem',
      'cs-headers',
      'x-forwarded-for',
      'time-taken',
    ];
    const generated = [...iterateLines({ fields, count: 500, seed: 9 })];
    const result = await run(
      ['parse', '--fields', fields.join(',')],
      `${generated.map((g) => g.line).join('\n')}\n`,
    );
    expect(ndjson(result.stdout)).toEqual(generated.map((g) => g.expected));
  });
});

describe('where code generation from strings is disallowed', () => {
  it('falls back to the interpreted builder with the same output', async () => {
    const normal = await run(['parse', '--fields', realFields, ...realFiles]);
    const restricted = await run(['parse', '--fields', realFields, ...realFiles], undefined, [
      '--disallow-code-generation-from-strings',
    ]);
    expect(restricted.code).toBe(0);
    expect(restricted.stdout).toBe(normal.stdout);
  });
});

describe('cfrt parse --previous-fields', () => {
  it('reads lines of the list before a config change beside the current one', async () => {
    const input = '1600299221.087\t200\n1600299221.088\t404\t0.25\n1600299221.089\t304\n';
    const result = await run(
      ['parse', '--fields', 'timestamp,sc-status,time-taken', '--previous-fields', 'timestamp,sc-status'],
      input,
    );
    expect(result.code).toBe(0);
    expect(ndjson(result.stdout)).toEqual([
      { timestamp: 1600299221087, 'sc-status': 200 },
      { timestamp: 1600299221088, 'sc-status': 404, 'time-taken': 0.25 },
      { timestamp: 1600299221089, 'sc-status': 304 },
    ]);
    expect(result.stderr).toBe('records: 3, malformed: 0\n');
  });

  it('refuses a previous list as long as the current one (exit 2), naming the fields that differ', async () => {
    const result = await run([
      'parse',
      '--fields',
      'timestamp,sc-status',
      '--previous-fields',
      'timestamp,c-ip',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /Two field lists have 2 fields \(only in one: sc-status; only in the other: c-ip\)/,
    );
  });
});

/**
 * What `cfrt parse` reads besides plain files (directories, field lists as JSON) and how it fails
 * when nothing in a non-empty input matches the field list (exit 1 with a hint, never "0 records"
 * and exit 0). On the built CLI.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const realFields = readFileSync(join(root, 'fixtures/real/fields.txt'), 'utf8').trim();
const realLine = (file: string) => readFileSync(join(root, 'fixtures/real', file), 'utf8');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfrt-parse-inputs-'));
});

describe('cfrt parse inputs', () => {
  it('reads a directory as every file under it, in name order, as analyze does', async () => {
    const logs = join(dir, 'firehose/2025/03/01');
    mkdirSync(logs, { recursive: true });
    writeFileSync(join(logs, 'b.gz'), gzipSync(realLine('datadog-304-refreshhit.tsv')));
    writeFileSync(join(logs, 'a.tsv'), realLine('datadog-200-miss.tsv'));
    const result = await runCli(['parse', '--fields', realFields, join(dir, 'firehose')]);
    expect(result.code, result.stderr).toBe(0);
    const statuses = result.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { 'sc-status': number })['sc-status']);
    expect(statuses).toEqual([200, 304]);
    expect(result.stderr).toBe('records: 2, malformed: 0\n');
  });

  it('takes --fields-file as the JSON that aws cloudfront get-realtime-log-config prints', async () => {
    const config = join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({ ETag: 'E1', RealtimeLogConfig: { Name: 'cdn', Fields: realFields.split(',') } }),
    );
    const result = await runCli(['parse', '--fields-file', config], {
      input: realLine('datadog-200-miss.tsv'),
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('records: 1, malformed: 0\n');
  });
});

describe('cfrt parse when no line matches the field list', () => {
  it('exits 1 on a standard log, saying it is one', async () => {
    const standard =
      '#Version: 1.0\n#Fields: date time x-edge-location sc-bytes\n2019-12-04\t21:02:31\tLAX1\t392\n';
    const result = await runCli(['parse', '--fields', realFields], { input: standard });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain('records: 0, malformed: 3\n');
    expect(result.stderr).toContain(
      'cfrt: no line matched the field list (3 lines read, none parsed): the input has a "#Version" or "#Fields" header, so it is a CloudFront standard (access) log',
    );
  });

  it('exits 1 with the column counts when the list is another one', async () => {
    const result = await runCli(['parse', '--fields', 'timestamp,sc-status'], {
      input: realLine('datadog-200-miss.tsv'),
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `the lines have ${realFields.split(',').length} tab-separated columns, the field list has 2 fields.`,
    );
  });

  it('still exits 0 on an empty input, and on one whose lines partly parse', async () => {
    expect((await runCli(['parse', '--fields', realFields], { input: '' })).code).toBe(0);
    const mixed = `garbage\n${realLine('datadog-200-miss.tsv')}`;
    const result = await runCli(['parse', '--fields', realFields], { input: mixed });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('records: 1, malformed: 1\n');
  });
});

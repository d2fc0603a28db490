/**
 * A line far longer than any real one (CloudFront's lines are a few KB) through the built CLI:
 * reported as malformed with its length, never its content, the lines around it read as if it
 * were not there, at flat memory; and a gzip bomb of zeros without a newline streams through.
 */
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { MAX_LINE_BYTES } from '../../src/cli/input.js';
import { runCli } from './run-cli.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FIELDS = readFileSync(join(ROOT, 'fixtures/sample/fields.txt'), 'utf8').trim();
const MiB = 1024 * 1024;
/** Peak resident memory allowed: the bound the streaming test of `cfrt analyze` holds to. */
const MAX_RSS_KB = 192 * 1024;
/** Prints the process's peak RSS (KB) on stderr at exit, for a CLI that has no --stats. */
const PEAK_RSS = `data:text/javascript,process.on('exit', () => process.stderr.write('maxRssKb ' + process.resourceUsage().maxRSS + '\\n'))`;

const lines = generateLines({ fields: FIELDS.split(','), count: 300, seed: 9 }).map((g) => g.line);
const before = lines.slice(0, 150);
const after = lines.slice(150);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cfrt-long-lines-'));
});

/** Writes the normal lines with a `bytes`-long line of `x` between them, streamed (never held). */
async function withLongLine(name: string, bytes: number): Promise<string> {
  const path = join(dir, name);
  const out = createWriteStream(path);
  const write = (data: string | Buffer) =>
    new Promise<void>((done, fail) => out.write(data, (err) => (err ? fail(err) : done())));
  await write(`${before.join('\n')}\n`);
  const block = Buffer.alloc(MiB, 0x78);
  for (let left = bytes; left > 0; left -= block.length) await write(block.subarray(0, Math.min(left, MiB)));
  await write(`\n${after.join('\n')}\n`);
  await new Promise<void>((done) => out.end(done));
  return path;
}

async function parse(args: string[]) {
  const result = await runCli(['parse', '--fields', FIELDS, ...args], { nodeArgs: ['--import', PEAK_RSS] });
  const maxRssKb = Number(/maxRssKb (\d+)/.exec(result.stderr)?.[1]);
  return { ...result, maxRssKb };
}

describe('cfrt parse: a line longer than MAX_LINE_BYTES', () => {
  it.each([
    ['5 MiB', 5 * MiB],
    ['100 MiB', 100 * MiB],
  ])(
    'a %s line is reported with its length, the other lines parse as without it',
    async (_, bytes) => {
      const path = await withLongLine(`long-${bytes}.tsv`, bytes);
      const plain = join(dir, 'plain.tsv');
      writeFileSync(plain, `${[...before, ...after].join('\n')}\n`);
      const [long, reference] = await Promise.all([parse([path]), parse([plain])]);
      expect(long.code, long.stderr).toBe(0);
      expect(long.stdout).toBe(reference.stdout);
      expect(long.stdout.split('\n').filter((l) => l !== '')).toHaveLength(300);
      expect(long.stderr).toContain(`line 151: line too long: ${bytes} bytes\nrecords: 300, malformed: 1\n`);
      // Never its content: no run of its bytes in what was printed.
      expect(long.stderr).not.toContain('xxxxxxxx');
      expect(long.maxRssKb).toBeLessThan(MAX_RSS_KB);
      expect(bytes).toBeGreaterThan(MAX_LINE_BYTES);
    },
    120_000,
  );

  it('--strict stops at it with exit 1', async () => {
    const path = await withLongLine('strict.tsv', 2 * MiB);
    const result = await parse(['--strict', path]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      `line 151: line too long: ${2 * MiB} bytes\nrecords: 150, malformed: 1\n`,
    );
  }, 60_000);

  it('a 2 GiB gzip bomb of zeros without a newline streams through at flat memory: one malformed line', async () => {
    // Concatenated gzip members (gunzip reads them as one stream): 2 GiB inflated from 2 MB.
    const member = gzipSync(Buffer.alloc(64 * MiB), { level: 9 });
    const bomb = join(dir, 'bomb.gz');
    writeFileSync(bomb, Buffer.concat(Array.from({ length: 32 }, () => member)));
    const result = await parse([bomb]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`line 1: line too long: ${2048 * MiB} bytes\nrecords: 0, malformed: 1\n`);
    expect(result.maxRssKb).toBeLessThan(MAX_RSS_KB);
  }, 180_000);
});

/**
 * `cfrt analyze` on inputs the generator never writes: a line longer than any real one, two field
 * lists at once (a config change), and input of which no line is a real-time log line.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { analyze } from '../../src/cli/analyze.js';
import { parseAnalyzeArgs } from '../../src/cli/analyze-args.js';
import { MAX_LINE_BYTES } from '../../src/cli/input.js';
import { NoRecordsError } from '../../src/cli/no-records.js';
import { toJson } from '../../src/report/report.js';

const OLD = ['timestamp', 'c-ip', 'sc-status', 'sc-bytes', 'cs-uri-stem', 'time-taken'];
const NEW = [...OLD, 'x-edge-result-type'];
const oldLines = generateLines({ fields: OLD, count: 200, seed: 1, malformedRate: 0 });
const newLines = generateLines({
  fields: NEW,
  count: 200,
  seed: 2,
  malformedRate: 0,
  startMs: Date.UTC(2025, 2, 1, 12, 5, 0),
});
const dir = mkdtempSync(join(tmpdir(), 'cfrt-analyze-inputs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function run(args: string[]) {
  return analyze(parseAnalyzeArgs(['--no-progress', ...args]));
}

describe('cfrt analyze inputs', () => {
  it('counts a line over MAX_LINE_BYTES as malformed by its length, never its content; the rest as without it', async () => {
    const lines = newLines.map((g) => g.line);
    const long = `${lines[0]!.slice(0, 20)}${'x'.repeat(MAX_LINE_BYTES + 10)}`;
    const plain = await run(['--fields', NEW.join(','), file('plain.tsv', `${lines.join('\n')}\n`)]);
    const withLong = await run([
      '--fields',
      NEW.join(','),
      file('long.tsv', `${[...lines.slice(0, 100), long, ...lines.slice(100)].join('\n')}\n`),
    ]);
    expect(withLong.malformed).toBe(plain.malformed + 1);
    expect(withLong.malformedExamples).toEqual([
      { source: expect.any(String), line: 101, reason: `line too long: ${Buffer.byteLength(long)} bytes` },
    ]);
    const { malformed: _a, ...a } = toJson(withLong);
    const { malformed: _b, ...b } = toJson(plain);
    expect(a).toEqual(b);
  });

  it('reads the lines of the previous field list beside the current one (--previous-fields)', async () => {
    const mixed = file('mixed.tsv', `${[...oldLines, ...newLines].map((g) => g.line).join('\n')}\n`);
    const both = await run(['--fields', NEW.join(','), '--previous-fields', OLD.join(','), mixed]);
    expect(both).toMatchObject({ records: 400, malformed: 0 });
    const onlyNew = await run(['--fields', NEW.join(','), mixed]);
    expect(onlyNew).toMatchObject({ records: 200, malformed: 200 });
  });

  it('refuses input of which no line parses, saying what it looks like instead', async () => {
    const standard = file(
      'standard.log',
      '#Version: 1.0\n#Fields: date time x-edge-location\n2025-03-01\t12:00:00\tIAD89-C1\n',
    );
    await expect(run(['--fields', NEW.join(','), standard])).rejects.toThrow(NoRecordsError);
    const other = file('other.tsv', `${oldLines.map((g) => g.line).join('\n')}\n`);
    const error = await run(['--fields', NEW.join(','), other]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NoRecordsError);
    // The column count seen against the list's.
    expect((error as Error).message).toMatch(/no line matched the field list/);
    expect((error as Error).message).toMatch(/\b6\b[\s\S]*\b7\b|\b7\b[\s\S]*\b6\b/);
  });
});

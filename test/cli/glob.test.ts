import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { expandGlob, isGlob, resolveInputs } from '../../src/cli/glob.js';

let root = '';
const files = ['a.log', 'b.log.gz', 'c.txt', '.hidden.log', 'x/d.log', 'x/y/e.log', 'x/y/f.gz', 'z/[1].log'];

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'cfrt-glob-'));
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'x\n');
  }
});

const rel = (paths: string[]): string[] => paths.map((p) => p.slice(root.length + 1));

describe('glob expansion', () => {
  it('matches * and ? within one segment, skipping dot files', () => {
    expect(rel(expandGlob(`${root}/*.log`))).toEqual(['a.log']);
    expect(rel(expandGlob(`${root}/?.log*`))).toEqual(['a.log', 'b.log.gz']);
  });

  it('matches ** across directories, including none', () => {
    expect(rel(expandGlob(`${root}/**/*.log`))).toEqual(['a.log', 'x/d.log', 'x/y/e.log', 'z/[1].log']);
    expect(rel(expandGlob(`${root}/x/**`))).toEqual(['x/d.log', 'x/y/e.log', 'x/y/f.gz']);
  });

  it('matches classes and alternatives', () => {
    expect(rel(expandGlob(`${root}/[ab].*`))).toEqual(['a.log', 'b.log.gz']);
    expect(rel(expandGlob(`${root}/[!a].*`))).toEqual(['b.log.gz', 'c.txt']);
    expect(rel(expandGlob(`${root}/{a.log,c.txt,nope}`))).toEqual(['a.log', 'c.txt']);
  });

  it('keeps plain paths and stdin, prefers a real file over a pattern reading of its name', () => {
    expect(isGlob('a.log')).toBe(false);
    expect(rel(resolveInputs([`${root}/z/[1].log`]))).toEqual(['z/[1].log']);
    expect(resolveInputs([])).toEqual(['-']);
    expect(resolveInputs(['-'])).toEqual(['-']);
  });

  it('reads a directory as every file under it, and accepts devices and pipes', () => {
    expect(rel(resolveInputs([`${root}/x/`]))).toEqual(['x/d.log', 'x/y/e.log', 'x/y/f.gz']);
    expect(resolveInputs(['/dev/null'])).toEqual(['/dev/null']);
  });

  it('refuses a missing file and a pattern that matches nothing', () => {
    expect(() => resolveInputs([`${root}/nope.log`])).toThrow(/No such file/);
    expect(() => resolveInputs([`${root}/*.nope`])).toThrow(/No file matches/);
  });
});

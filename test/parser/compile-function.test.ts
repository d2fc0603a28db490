import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileFunction } from '../../src/parser/compile-function.js';

const src = (path: string) => JSON.stringify(fileURLToPath(new URL(`../../src/${path}`, import.meta.url)));

/** What the record builder, the record copier and the helper give, in a fresh process. */
const script = `
import { createParser } from ${src('parser/index.ts')};
import { createRecordCopier } from ${src('enrich/record-copier.ts')};
import { compileFunction } from ${src('parser/compile-function.ts')};
const parser = createParser(['timestamp', 'sc-status', 'cs-uri-stem']);
const copy = createRecordCopier();
const records = ['1.5\\t200\\t/a', '1.5\\t2x0\\t/a', '1.5\\t200'].map((l) => parser.parseLine(l));
const picked = parser.pick(['sc-status']).parseLine('1.5\\t404\\t/b');
const copies = [{ a: 1, b: 'x' }, { a: 2, b: 'y' }, JSON.parse('{"__proto__": 1}')].map((r) => copy(r));
console.log(JSON.stringify({
  compiled: typeof compileFunction(['a'], 'return a;'),
  records, picked, copies, protoKept: Object.hasOwn(copies[2], '__proto__'),
}));`;

function run(flags: readonly string[]): { compiled: string } & Record<string, unknown> {
  const out = execFileSync(
    process.execPath,
    [...flags, '--import', 'tsx', '--input-type=module', '-e', script],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(out) as { compiled: string };
}

describe('compileFunction: the one code generator, with one fallback policy', () => {
  it('compiles a function from source', () => {
    expect(compileFunction<(a: number) => number>(['a'], 'return a + 1;')!(1)).toBe(2);
  });

  it('throws on source that does not compile: a bug, never a silent fallback', () => {
    expect(() => compileFunction(['a'], 'return {')).toThrow(SyntaxError);
  });

  it('where code generation is disallowed, returns null, and the builder and copier fall back to the same results', () => {
    const allowed = run([]);
    const disallowed = run(['--disallow-code-generation-from-strings']);
    expect(allowed.compiled).toBe('function');
    expect(disallowed.compiled).toBe('object');
    expect({ ...disallowed, compiled: null }).toEqual({ ...allowed, compiled: null });
    expect(allowed.protoKept).toBe(true);
  });
});

/** The bundled sample: a generated slice of realistic traffic with the field list it was written with. */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { splitFieldList } from '../parser/layout.js';
import { UsageError } from './errors.js';

/** Finds `fixtures/sample` from the source tree or the built `dist/cli`. */
export function sampleDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    const candidate = join(dir, 'fixtures', 'sample');
    if (existsSync(join(candidate, 'fields.txt'))) return candidate;
    dir = dirname(dir);
  }
  throw new UsageError(
    'The bundled sample (fixtures/sample) ships with the repository, not the npm package: give FILEs to read.',
  );
}

export interface Sample {
  fields: string[];
  files: string[];
}

export function loadSample(): Sample {
  const dir = sampleDir();
  return {
    fields: splitFieldList(readFileSync(join(dir, 'fields.txt'), 'utf8')),
    files: [join(dir, 'realtime-logs.tsv.gz')],
  };
}

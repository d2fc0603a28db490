/**
 * File arguments: plain paths, `-` for stdin, and glob patterns (`logs/2025/03/*.gz`,
 * `'s3-dump/**\/*.gz'`) expanded here, because a quoted pattern reaches us unexpanded and
 * `fs.glob` only exists from Node 22 (we support 20). Supported: `*` and `?` within one path
 * segment, `**` for any number of directories, `[abc]` / `[a-z]` / `[!a]` classes, `{a,b}`
 * alternatives. Matches are sorted so reports are reproducible.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { UsageError } from './errors.js';

/** Directory entries visited by one `**` expansion before we refuse (a pattern rooted at `/`). */
export const MAX_GLOB_ENTRIES = 1_000_000;

const GLOB_CHARS = /[*?[{]/;

/**
 * True when an argument is a pattern rather than a path.
 *
 * @example
 * isGlob('logs/*.gz'); // true
 * isGlob('logs/a.gz'); // false
 */
export function isGlob(arg: string): boolean {
  return GLOB_CHARS.test(arg);
}

/** Expands `{a,b}` alternatives (nested allowed) into plain patterns. */
function expandBraces(pattern: string): string[] {
  let depth = 0;
  let open = -1;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (c === '{') {
      if (depth === 0) open = i;
      depth++;
    } else if (c === '}' && depth > 0) {
      depth--;
      if (depth === 0) {
        const body = pattern.slice(open + 1, i);
        const parts: string[] = [];
        let d = 0;
        let from = 0;
        for (let j = 0; j < body.length; j++) {
          const b = body[j];
          if (b === '{') d++;
          else if (b === '}') d--;
          else if (b === ',' && d === 0) {
            parts.push(body.slice(from, j));
            from = j + 1;
          }
        }
        parts.push(body.slice(from));
        if (parts.length === 1) continue;
        const head = pattern.slice(0, open);
        const tail = pattern.slice(i + 1);
        return parts.flatMap((p) => expandBraces(head + p + tail));
      }
    }
  }
  return [pattern];
}

/** One path segment's pattern as an anchored regular expression. */
function segmentRegExp(segment: string): RegExp {
  let re = '';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '\\' && i + 1 < segment.length) re += `\\${segment[++i]}`;
    else if (c === '[') {
      const close = segment.indexOf(']', i + 2);
      if (close === -1) {
        re += '\\[';
        continue;
      }
      let cls = segment.slice(i + 1, close);
      if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
      re += `[${cls.replace(/\\/g, '\\\\')}]`;
      i = close;
    } else re += c.replace(/[.+^${}()|\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

interface Walk {
  visited: number;
  out: string[];
}

function listDir(dir: string, walk: Walk): { name: string; isDir: boolean }[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir === '' ? '.' : dir, { withFileTypes: true });
  } catch {
    return [];
  }
  walk.visited += entries.length;
  if (walk.visited > MAX_GLOB_ENTRIES) {
    throw new UsageError(`The pattern visits more than ${MAX_GLOB_ENTRIES} entries; narrow it.`);
  }
  return entries.map((e) => {
    let isDir = e.isDirectory();
    if (e.isSymbolicLink()) {
      try {
        isDir = statSync(join(dir, e.name)).isDirectory();
      } catch {
        isDir = false;
      }
    }
    return { name: e.name, isDir };
  });
}

function match(dir: string, segments: readonly string[], walk: Walk): void {
  const [segment, ...rest] = segments;
  if (segment === undefined) return;
  const last = rest.length === 0;
  if (segment === '**') {
    // Zero directories, then one more and `**` again; dot-directories are skipped like shells do.
    match(dir, rest, walk);
    for (const e of listDir(dir, walk)) {
      if (e.isDir && !e.name.startsWith('.')) match(join(dir, e.name), segments, walk);
    }
    if (last) {
      for (const e of listDir(dir, walk))
        if (!e.isDir && !e.name.startsWith('.')) walk.out.push(join(dir, e.name));
    }
    return;
  }
  if (!isGlob(segment)) {
    const path = dir === '' ? segment : join(dir, segment);
    if (last) {
      try {
        if (statSync(path).isFile()) walk.out.push(path);
      } catch {
        // no such file: no match
      }
    } else match(path, rest, walk);
    return;
  }
  const re = segmentRegExp(segment);
  const dotOk = segment.startsWith('.');
  for (const e of listDir(dir, walk)) {
    if (!dotOk && e.name.startsWith('.')) continue;
    if (!re.test(e.name)) continue;
    const path = join(dir, e.name);
    if (last) {
      if (!e.isDir) walk.out.push(path);
    } else if (e.isDir) match(path, rest, walk);
  }
}

/**
 * Expands one glob pattern into the files it matches, sorted; `[]` when none.
 *
 * @example
 * expandGlob('fixtures/**\/*.tsv'); // ['fixtures/real/a.tsv', ...]
 */
export function expandGlob(pattern: string): string[] {
  const out = new Set<string>();
  for (const alt of expandBraces(pattern)) {
    const normalized = sep === '\\' ? alt.replace(/\\/g, '/') : alt;
    const absolute = normalized.startsWith('/');
    const segments = normalized.split('/').filter((s) => s !== '' && s !== '.');
    const walk: Walk = { visited: 0, out: [] };
    match(absolute ? '/' : '', segments, walk);
    for (const p of walk.out) out.add(p);
  }
  return [...out].sort();
}

/**
 * Resolves the command's file arguments: `-` stays (stdin), paths must exist, a directory is
 * every file under it, patterns must match at least one file. No arguments means stdin.
 *
 * @example
 * resolveInputs(['logs/*.gz', '-']); // ['logs/a.gz', 'logs/b.gz', '-']
 */
export function resolveInputs(args: readonly string[]): string[] {
  if (args.length === 0) return ['-'];
  const out: string[] = [];
  for (const arg of args) {
    if (arg === '-') {
      out.push(arg);
      continue;
    }
    let kind: 'file' | 'dir' | null = null;
    try {
      // Anything readable that is not a directory: files, FIFOs and `<(zcat ...)`'s /dev/fd/N.
      kind = statSync(arg).isDirectory() ? 'dir' : 'file';
    } catch {
      kind = null;
    }
    // A real file wins over a pattern reading of its name (`access[1].log`).
    if (kind === 'file') {
      out.push(arg);
      continue;
    }
    if (kind === 'dir') {
      // A directory is every file under it, as a Firehose prefix copied from S3 is laid out.
      const files = expandGlob(`${arg.replace(/\/+$/, '')}/**`);
      if (files.length === 0) throw new UsageError(`No file under ${arg}`);
      out.push(...files);
      continue;
    }
    if (!isGlob(arg)) throw new UsageError(`No such file: ${arg}`);
    const matches = expandGlob(arg);
    if (matches.length === 0) throw new UsageError(`No file matches ${arg}`);
    out.push(...matches);
  }
  return out;
}

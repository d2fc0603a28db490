/**
 * The README's quick start is a real program: it runs against the built package, and the README
 * quotes it verbatim.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../', import.meta.url));

describe('examples/quick-start.ts', () => {
  const source = readFileSync(`${root}examples/quick-start.ts`, 'utf8');

  it('is quoted verbatim in the README', () => {
    const readme = readFileSync(`${root}README.md`, 'utf8');
    const block = /<!-- quick-start -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(source);
  });

  it('runs and reports malformed lines and per-window figures', () => {
    const tsx = `${root}node_modules/tsx/dist/cli.mjs`;
    const out = execFileSync(process.execPath, [tsx, 'examples/quick-start.ts'], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const windows = out.trim().split('\n');
    expect(windows).toHaveLength(2);
    expect(windows[0]).toMatch(
      /^2025-03-01T12:00:00\.000Z: \d+ requests, 5xx \d+, hit ratio 0\.\d\d, p99 \d+\.\d{3} s, \d+ clients$/,
    );
  });
});

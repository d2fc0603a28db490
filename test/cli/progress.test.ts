import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, PROGRESS_CHECK_EVERY, Progress } from '../../src/cli/progress.js';

function fakeStream(isTTY: boolean): {
  isTTY: boolean;
  columns: number;
  text: string;
  write(t: string): boolean;
} {
  return {
    isTTY,
    columns: 120,
    text: '',
    write(t: string) {
      this.text += t;
      return true;
    },
  };
}

describe('progress', () => {
  it('draws records, bytes and the rate on a terminal, redrawing in place', () => {
    let now = 0;
    const stream = fakeStream(true);
    const progress = new Progress(stream, { clock: () => now });
    for (let i = 0; i < PROGRESS_CHECK_EVERY * 2; i++) {
      now += 1;
      progress.tick(100, i % 1000 === 0);
    }
    progress.done();
    expect(stream.text).toContain('\r\x1b[2K');
    expect(stream.text).toMatch(/8\.18k records, 9 malformed, 800 KiB read \| 1\.00k records\/s/);
  });

  it('stays quiet when stderr is not a terminal or when turned off', () => {
    const pipe = fakeStream(false);
    const p = new Progress(pipe);
    for (let i = 0; i < PROGRESS_CHECK_EVERY * 2; i++) p.tick(10);
    p.done();
    expect(pipe.text).toBe('');
    const off = fakeStream(true);
    new Progress(off, { enabled: false }).done();
    expect(off.text).toBe('');
  });

  it('formats sizes and counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.50 KiB');
    expect(formatBytes(300 * 1024 * 1024)).toBe('300 MiB');
    expect(formatCount(12_345)).toBe('12.3k');
    expect(formatCount(4_560_000)).toBe('4.56M');
  });
});

/**
 * The enricher's bounded caches (user agents, client addresses) keep a copy of each key, never the
 * parser's slice of the line: a cache of 5,000 user agents would otherwise keep 5,000 lines alive.
 */
import { describe, expect, it } from 'vitest';
import { createEnricher } from '../../src/enrich/index.js';
import { collectGarbage } from '../helpers/gc.js';

describe('the enricher keeps no line alive', () => {
  it('through its user-agent and address caches, also once the optimizing compiler has them', () => {
    const LINES = 40;
    const LINE_LENGTH = 1 << 20;
    const enricher = createEnricher({ clientIp: 'hash', hmacKey: 'retention test key, 32 bytes long' });
    // Warm up with short lines, so the caches' code is optimized before the measured lines come.
    for (let i = 0; i < 50_000; i++) {
      enricher.derive({
        'cs-user-agent': `Mozilla/5.0 (warm-up agent ${i % 3_000})`,
        'c-ip': `2001:db8:${(i % 3_000).toString(16)}::1`,
      });
    }
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < LINES; i++) {
      const head = `2001:db8:ffff:${i.toString(16)}::2\tMozilla/5.0 (kept agent number ${i}; a long one)\t`;
      const line = head.padEnd(LINE_LENGTH, 'x');
      const tab = line.indexOf('\t');
      const derived = enricher.derive({
        'c-ip': line.slice(0, tab),
        'cs-user-agent': line.slice(tab + 1, line.indexOf('\t', tab + 1)),
      });
      expect(derived.ua?.browser).toBeDefined();
    }
    collectGarbage();
    const retained = process.memoryUsage().heapUsed - before;
    // Pinned lines would retain 40 MiB; the cached copies take a few KiB.
    expect(retained).toBeLessThan((LINES * LINE_LENGTH) / 10);
    expect(enricher.stats().userAgent?.size).toBeGreaterThan(LINES);
  });
});

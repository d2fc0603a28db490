import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_AGENTS } from '../../fixtures/generator.js';
import { createUserAgentClassifier, USER_AGENT_MAX_LENGTH } from '../../src/enrich/user-agent.js';
import { USER_AGENT_CASES } from './user-agents.js';

describe('user agents', () => {
  const classifier = createUserAgentClassifier();

  it('has at least 60 real user agents in its table', () => {
    expect(USER_AGENT_CASES.length).toBeGreaterThanOrEqual(60);
    expect(new Set(USER_AGENT_CASES.map((c) => c.ua)).size).toBe(USER_AGENT_CASES.length);
  });

  it.each(USER_AGENT_CASES.map((c) => [c.ua || '(empty)', c] as const))('classifies %s', (_, c) => {
    const info = classifier.classify(c.ua);
    expect({
      browser: info.browser,
      major: info.browserMajor,
      os: info.os,
      device: info.device,
      isBot: info.isBot,
      bot: info.botName,
    }).toEqual({
      browser: c.browser,
      major: c.major,
      os: c.os,
      device: c.device,
      isBot: c.bot !== null,
      bot: c.bot,
    });
  });

  it('says Edge is Edge, not Chrome', () => {
    const edge = USER_AGENT_CASES.filter((c) => c.ua.includes('Edg'));
    expect(edge.length).toBeGreaterThanOrEqual(4);
    for (const c of edge) expect(classifier.classify(c.ua).browser).toBe('Edge');
  });

  it('never counts a bot as a browser, whatever browser tokens it carries', () => {
    for (const c of USER_AGENT_CASES.filter((x) => x.bot !== null)) {
      const info = classifier.classify(c.ua);
      expect(info).toMatchObject({ isBot: true, device: 'bot', browser: null, browserMajor: null });
    }
  });

  it.each([
    ['Mozilla/5.0 (compatible; Acmebot/1.0; +https://acme.example/bot)', 'Acmebot'],
    ['AcmeCrawler/2.3 (+https://acme.example)', 'AcmeCrawler'],
    ['Mozilla/5.0 (compatible; SomeSpider/0.9)', 'SomeSpider'],
    ['acme-monitor/1.2', 'acme-monitor'],
    [
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 (compatible; FooBot/3.1)',
      'FooBot',
    ],
  ])('names a bot it has no entry for after its own product token: %s', (ua, name) => {
    expect(classifier.classify(ua)).toMatchObject({ isBot: true, botName: name, browser: null });
  });

  it('says unknown (not other) for absent, empty, dash and blank user agents', () => {
    for (const ua of [null, undefined, '', '-', ' ', '\t']) {
      expect(classifier.classify(ua)).toMatchObject({ device: 'unknown', isBot: false, browser: null });
    }
  });

  it('classifies every user agent of the traffic generator', () => {
    for (const [ua] of USER_AGENTS) {
      const info = classifier.classify(ua);
      const inTable = USER_AGENT_CASES.find((c) => c.ua === ua);
      expect(inTable, `generator UA missing from the table: ${ua}`).toBeDefined();
      expect(info.botName).toBe(inTable!.bot);
    }
  });

  it('caches by string: a repeated user agent is a hit, and the cache stays bounded', () => {
    const small = createUserAgentClassifier(10);
    small.classify('curl/8.5.0');
    small.classify('curl/8.5.0');
    expect(small.cache.stats()).toMatchObject({ hits: 1, misses: 1 });
    for (let i = 0; i < 100; i++) small.classify(`agent-${i}/1.0`);
    expect(small.cache.stats().size).toBeLessThanOrEqual(10);
  });

  it('gives the same answer cached or not', () => {
    const uncached = createUserAgentClassifier(0);
    for (const c of USER_AGENT_CASES) expect(uncached.classify(c.ua)).toEqual(classifier.classify(c.ua));
  });

  it('never throws, and always answers in the DeviceType set, on any text', () => {
    const devices = new Set(['desktop', 'mobile', 'tablet', 'bot', 'other', 'unknown']);
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: USER_AGENT_MAX_LENGTH + 100, size: 'max' }),
        (ua) => {
          const info = createUserAgentClassifier(0).classify(ua);
          expect(devices.has(info.device)).toBe(true);
          expect(info.isBot).toBe(info.device === 'bot');
          expect(info.isBot).toBe(info.botName !== null);
        },
      ),
      { numRuns: 300 },
    );
  });
});

import { describe, expectTypeOf, it } from 'vitest';
import {
  type CityGeoFields,
  type CrawlerVerdict,
  createEnricher,
  type Derived,
  type EnricherOptions,
  type UserAgentFields,
} from '../../src/enrich/index.js';
import type { CacheClass, StatusClass } from '../../src/model/classes.js';
import { createParser, type LogRecord } from '../../src/parser/index.js';

type Small = LogRecord<['timestamp', 'sc-status', 'cs-user-agent']>;

describe('Derived', () => {
  it('adds exactly the keys whose fields are configured', () => {
    const e = createEnricher();
    const d = e.derive({} as Small);
    expectTypeOf(d.statusClass).toEqualTypeOf<StatusClass | null>();
    expectTypeOf(d.isError).toEqualTypeOf<boolean>();
    expectTypeOf(d.ua).toEqualTypeOf<UserAgentFields['ua']>();
    expectTypeOf(d.ua.crawler).toEqualTypeOf<CrawlerVerdict | null>();
    expectTypeOf(d['sc-status']).toEqualTypeOf<number | null>();
    expectTypeOf(d).not.toHaveProperty('url');
    expectTypeOf(d).not.toHaveProperty('edge');
    expectTypeOf(d).not.toHaveProperty('geo');
    expectTypeOf(d).not.toHaveProperty('client');
    expectTypeOf(d).not.toHaveProperty('cacheClass');
  });

  it('follows the parser record type', () => {
    const parser = createParser([
      'c-ip',
      'x-edge-location',
      'x-edge-response-result-type',
      'c-country',
    ] as const);
    const result = parser.parseLine('');
    if (!result.ok) return;
    const d = createEnricher().enrich(result.record);
    expectTypeOf(d.client).toEqualTypeOf<string | null>();
    expectTypeOf(d.edge.airport).toEqualTypeOf<string | null>();
    expectTypeOf(d.cacheClass).toEqualTypeOf<CacheClass | null>();
    expectTypeOf(d.geo).toEqualTypeOf<{ country: string | null }>();
    expectTypeOf(d).not.toHaveProperty('ua');
  });

  it('follows the options: no ua or geo when turned off, city geography when asked', () => {
    type R = LogRecord<['c-ip', 'c-country', 'cs-user-agent']>;
    const off = createEnricher({ geo: 'none', userAgent: false }).derive({} as R);
    expectTypeOf(off).not.toHaveProperty('ua');
    expectTypeOf(off).not.toHaveProperty('geo');
    expectTypeOf(off).toHaveProperty('client');
    const city = createEnricher({ geo: 'city' }).derive({} as LogRecord<['c-ip']>);
    expectTypeOf(city.geo).toEqualTypeOf<CityGeoFields['geo']>();
  });

  it('derives client from x-forwarded-for only when asked', () => {
    type R = LogRecord<['x-forwarded-for']>;
    expectTypeOf(createEnricher().derive({} as R)).not.toHaveProperty('client');
    expectTypeOf(createEnricher({ clientAddress: 'x-forwarded-for' }).derive({} as R).client).toEqualTypeOf<
      string | null
    >();
  });

  it('derives each record of a union of layouts', () => {
    type U = LogRecord<['sc-status']> | LogRecord<['cs-uri-stem']>;
    const d = createEnricher().derive({} as U);
    if ('sc-status' in d) expectTypeOf(d.statusClass).toEqualTypeOf<StatusClass | null>();
    else expectTypeOf(d.url.path).toEqualTypeOf<string | null>();
  });

  it('makes derived keys optional where the types cannot tell', () => {
    type Loose = Record<string, unknown>;
    const d = createEnricher().derive({} as Loose);
    expectTypeOf(d.statusClass).toEqualTypeOf<StatusClass | null | undefined>();
    const opts: EnricherOptions = {};
    const e = createEnricher(opts).derive({} as LogRecord<['cs-user-agent', 'c-country']>);
    expectTypeOf(e.ua).toEqualTypeOf<UserAgentFields['ua'] | undefined>();
    expectTypeOf(e).toHaveProperty('geo');
  });

  it('protect keeps the type', () => {
    expectTypeOf(createEnricher().protect({} as Small)).toEqualTypeOf<Small>();
  });

  it('Derived<R> is what derive returns with the default options', () => {
    expectTypeOf(createEnricher().derive({} as Small)).toEqualTypeOf<Derived<Small>>();
  });
});

import { describe, expect, it } from 'vitest';
import { createAggregator } from '../../src/aggregate/index.js';
import { AGGREGATOR_OPTIONS } from '../../src/aggregate/options.js';
import { ENRICHER_OPTIONS } from '../../src/enrich/options.js';
import {
  HANDLER_SETTINGS,
  HandlerConfigError,
  resolveSettings,
  settingsFromEnv,
} from '../../src/handler/config.js';
import { createHandler, type HandlerConfig } from '../../src/handler.js';
import { ConfigError } from '../../src/parser/index.js';
import { DYNAMODB_SINK_OPTIONS, METRIC_SINK_OPTIONS } from '../../src/sinks/options.js';

const FIELDS = 'timestamp,c-ip,sc-status,sc-bytes,cs-uri-stem';

function problemsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(HandlerConfigError);
    return (error as HandlerConfigError).problems;
  }
  throw new Error('expected a HandlerConfigError');
}

describe('settings from the environment', () => {
  it('applies the documented defaults', () => {
    expect(settingsFromEnv({ CFRT_FIELDS: FIELDS })).toEqual({
      fields: ['timestamp', 'c-ip', 'sc-status', 'sc-bytes', 'cs-uri-stem'],
      previousFields: [],
      fieldOrder: 'canonical',
      samplingRate: 100,
      windowSeconds: 60,
      allowedLatenessSeconds: 300,
      distinctQueries: false,
      dimensionTopLists: 'all',
      dimensions: [[]],
      geo: 'country',
      userAgent: true,
      clientIp: 'truncate',
      hmacKey: undefined,
      sinks: ['emf'],
      metricsNamespace: 'CloudFront/RealtimeLogs',
      storageResolution: 60,
      tableName: undefined,
      ttlDays: 14,
      processedStreamName: undefined,
      partitionKey: 'x-edge-request-id',
      quarantine: 'log',
      quarantineStreamName: undefined,
    });
  });

  it('reads every variable', () => {
    const s = settingsFromEnv({
      CFRT_FIELDS: 'sc-status c-ip, timestamp',
      CFRT_PREVIOUS_FIELDS: 'sc-status,timestamp',
      CFRT_FIELD_ORDER: 'delivery',
      CFRT_SAMPLING_RATE: '5',
      CFRT_WINDOW_SECONDS: '10',
      CFRT_ALLOWED_LATENESS_SECONDS: '0',
      CFRT_DISTINCT_QUERIES: 'true',
      CFRT_DIMENSION_TOP_LISTS: 'paths, ERRORPATHS',
      CFRT_DIMENSIONS: 'none; country ; host,statusClass',
      CFRT_GEO: 'none',
      CFRT_USER_AGENT: 'false',
      CFRT_CLIENT_IP: 'hash',
      CFRT_HMAC_KEY: '0123456789abcdef0123',
      CFRT_SINKS: 'emf, CloudWatch,dynamodb kinesis',
      CFRT_METRICS_NAMESPACE: 'CDN/Edge',
      CFRT_STORAGE_RESOLUTION: '1',
      CFRT_TABLE_NAME: 'cf-windows',
      CFRT_TTL_DAYS: '30',
      CFRT_PROCESSED_STREAM_NAME: 'cf-processed',
      CFRT_PARTITION_KEY: 'c-ip',
      CFRT_QUARANTINE: 'kinesis',
      CFRT_QUARANTINE_STREAM_NAME: 'cf-quarantine',
    });
    expect(s).toMatchObject({
      fields: ['sc-status', 'c-ip', 'timestamp'],
      previousFields: ['sc-status', 'timestamp'],
      fieldOrder: 'delivery',
      samplingRate: 5,
      windowSeconds: 10,
      allowedLatenessSeconds: 0,
      distinctQueries: true,
      dimensionTopLists: ['paths', 'errorPaths'],
      dimensions: [[], ['country'], ['host', 'statusClass']],
      geo: 'none',
      userAgent: false,
      clientIp: 'hash',
      sinks: ['emf', 'cloudwatch', 'dynamodb', 'kinesis'],
      storageResolution: 1,
      ttlDays: 30,
      quarantine: 'kinesis',
    });
  });

  it('reports every problem at once, each named by its variable with what to change', () => {
    const problems = problemsOf(() =>
      settingsFromEnv({
        CFRT_SAMPLING_RATE: 'fifty',
        CFRT_WINDOW_SECONDS: '1.5',
        CFRT_DIMENSIONS: 'country;colour',
        CFRT_USER_AGENT: 'maybe',
        CFRT_SINKS: 'emf,dynamodb,s3',
        CFRT_STORAGE_RESOLUTION: '30',
      }),
    );
    const text = problems.join('\n');
    expect(text).toContain('CFRT_USER_AGENT: must be true or false; got "maybe"');
    expect(text).toMatch(/CFRT_FIELDS: is required \(the real-time log config's fields/);
    expect(text).toMatch(/CFRT_SAMPLING_RATE: must be from 1 to 100 .*; got "fifty"/);
    expect(text).toMatch(
      /CFRT_WINDOW_SECONDS: must be a whole number of seconds from 1 to 86400 \(one day\); got 1.5/,
    );
    expect(text).toMatch(/CFRT_SINKS: names unknown sink "s3"/);
    expect(text).toMatch(/CFRT_STORAGE_RESOLUTION: must be 1 \(high resolution, per second\) or 60; got 30/);
    expect(text).toMatch(/CFRT_DIMENSIONS: names unknown dimension "colour"/);
    // Each problem once.
    expect(new Set(problems).size).toBe(problems.length);
  });

  it('refuses a misspelt or unknown CFRT_ variable, with the closest name, instead of a silent default', () => {
    const problems = problemsOf(() =>
      settingsFromEnv({
        CFRT_FIELDS: FIELDS,
        CFRT_SINK: 'emf',
        CFRT_DIMENSION: 'country',
        CFRT_COLOUR: 'blue',
      }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^CFRT_COLOUR: is not a setting; the settings are CFRT_FIELDS, /),
      'CFRT_DIMENSION: is not a setting; did you mean CFRT_DIMENSIONS?',
      'CFRT_SINK: is not a setting; did you mean CFRT_SINKS?',
    ]);
    // Other environment variables are none of the handler's business.
    expect(
      settingsFromEnv({ CFRT_FIELDS: FIELDS, AWS_REGION: 'eu-west-1', PATH: '/usr/bin' }).fields,
    ).toHaveLength(5);
  });

  it('reports a problem found before validation once, alone or with others', () => {
    expect(problemsOf(() => settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_USER_AGENT: 'off' }))).toEqual([
      'CFRT_USER_AGENT: must be true or false; got "off"',
    ]);
    const both = problemsOf(() =>
      settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_USER_AGENT: 'off', CFRT_GEO: 'moon' }),
    );
    expect(both).toHaveLength(2);
  });

  it('asks for what a chosen sink or policy needs', () => {
    const text = problemsOf(() =>
      settingsFromEnv({
        CFRT_FIELDS: FIELDS,
        CFRT_SINKS: 'dynamodb,kinesis',
        CFRT_QUARANTINE: 'kinesis',
        CFRT_CLIENT_IP: 'hash',
        CFRT_HMAC_KEY: 'short',
      }),
    ).join('\n');
    expect(text).toMatch(/CFRT_TABLE_NAME: is required with the dynamodb sink/);
    expect(text).toMatch(/CFRT_PROCESSED_STREAM_NAME: is required with the kinesis sink/);
    expect(text).toMatch(/CFRT_QUARANTINE_STREAM_NAME: is required with quarantine "kinesis"/);
    expect(text).toMatch(/CFRT_HMAC_KEY: must be at least 16 bytes \(it has 5\)/);
    expect(
      problemsOf(() => settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_CLIENT_IP: 'hash' })).join('\n'),
    ).toMatch(/CFRT_HMAC_KEY: is required with clientIp "hash": a secret of at least 16 bytes/);
  });

  it('checks the field list against the catalogue with the other settings', () => {
    const text = problemsOf(() =>
      settingsFromEnv({ CFRT_FIELDS: 'timestamp,date,c-ipp', CFRT_SAMPLING_RATE: '0' }),
    ).join('\n');
    expect(text).toMatch(/CFRT_SAMPLING_RATE: must be from 1 to 100/);
    expect(text).toMatch(/CFRT_FIELDS: "date" is a CloudFront standard-log field/);
    expect(text).toMatch(/CFRT_FIELDS: .*"c-ipp"/);
  });

  it('names unknown dimensions with the list of known ones', () => {
    const [problem] = problemsOf(() =>
      settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_DIMENSIONS: 'country;colour' }),
    );
    expect(problem).toMatch(
      /CFRT_DIMENSIONS: names unknown dimension "colour"; use one of host, distribution/,
    );
  });

  it('names unknown top-N lists in CFRT_DIMENSION_TOP_LISTS; none and all are words', () => {
    const [problem] = problemsOf(() =>
      settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_DIMENSION_TOP_LISTS: 'paths,colours' }),
    );
    expect(problem).toMatch(
      /CFRT_DIMENSION_TOP_LISTS: names unknown top-N list "colours"; use paths, missPaths/,
    );
    expect(
      settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_DIMENSION_TOP_LISTS: 'none' }).dimensionTopLists,
    ).toEqual([]);
    expect(settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_DIMENSION_TOP_LISTS: 'ALL' }).dimensionTopLists).toBe(
      'all',
    );
  });
});

describe('settings in code', () => {
  it('accepts arrays and names problems by option', () => {
    expect(
      resolveSettings({ fields: ['timestamp', 'sc-status'], dimensions: [[], ['country']] }).dimensions,
    ).toEqual([[], ['country']]);
    const text = problemsOf(() =>
      resolveSettings({
        fields: FIELDS,
        samplingRate: 0,
        sinks: ['emf', 'emf'],
        metricsNamespace: 'AWS/CloudFront',
      }),
    ).join('\n');
    expect(text).toMatch(/samplingRate: must be from 1 to 100/);
    expect(text).toMatch(/sinks: names a sink twice/);
    expect(text).toMatch(
      /metricsNamespace: must be 1-255 printable ASCII characters, not starting with "AWS\/"/,
    );
  });
});

describe('one configuration model', () => {
  function issuesOf(fn: () => unknown) {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).issues;
    }
    throw new Error('expected a ConfigError');
  }

  it('gives each problem as a structured issue: the option path, the variable, what to change', () => {
    expect(
      issuesOf(() => settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_WINDOW_SECONDS: '0', CFRT_GEO: 'moon' })),
    ).toEqual([
      {
        path: ['windowSeconds'],
        name: 'CFRT_WINDOW_SECONDS',
        message: 'must be a whole number of seconds from 1 to 86400 (one day); got 0',
      },
      { path: ['geo'], name: 'CFRT_GEO', message: 'must be "none", "country" or "city"; got "moon"' },
    ]);
  });

  it('says what the aggregator, the enricher and the sinks say, since it composes their declarations', () => {
    // Each setting the handler shares with a room takes that room's range and message, so a value
    // the handler accepts is one the room accepts (a lateness past a year failed only later before).
    const shared = [
      ['allowedLatenessSeconds', AGGREGATOR_OPTIONS.allowedLatenessSeconds],
      ['windowSeconds', AGGREGATOR_OPTIONS.windowSeconds],
      ['samplingRate', AGGREGATOR_OPTIONS.samplingRate],
      ['geo', ENRICHER_OPTIONS.geo],
      ['clientIp', ENRICHER_OPTIONS.clientIp],
      ['ttlDays', DYNAMODB_SINK_OPTIONS.ttlDays],
      ['storageResolution', METRIC_SINK_OPTIONS.storageResolution],
    ] as const;
    for (const [option, declared] of shared) {
      expect(HANDLER_SETTINGS[option]).toBe(declared);
    }
    const overAYear = 365 * 86_400 + 1;
    expect(issuesOf(() => resolveSettings({ fields: FIELDS, allowedLatenessSeconds: overAYear }))).toEqual(
      issuesOf(() => createAggregator({ allowedLatenessSeconds: overAYear })),
    );
  });

  it('counts key length in bytes everywhere, as the aggregator and the enricher do', () => {
    const eightWide = 'é'.repeat(8); // 8 characters, 16 bytes
    expect(resolveSettings({ fields: FIELDS, clientIp: 'hash', hmacKey: eightWide }).hmacKey).toBe(eightWide);
    expect(issuesOf(() => resolveSettings({ fields: FIELDS, hmacKey: 'é'.repeat(7) }))).toEqual([
      { path: ['hmacKey'], message: 'must be at least 16 bytes (it has 14); use 32 random bytes' },
    ]);
  });

  it('refuses an unknown option in code, with the closest name, and lists it with the other problems', () => {
    const issues = issuesOf(() =>
      createHandler({ fields: FIELDS, windowSecond: 30, samplingRate: 0 } as unknown as HandlerConfig),
    );
    expect(issues).toEqual([
      { path: ['windowSecond'], message: 'is not an option; did you mean windowSeconds?' },
      { path: ['samplingRate'], message: expect.stringMatching(/^must be from 1 to 100 .*; got 0$/) },
    ]);
  });

  it('nests the problems of code-only room options under their option', () => {
    expect(
      issuesOf(() =>
        createHandler({ fields: FIELDS, aggregator: { topK: 5 }, enricher: { geoCacheSize: -1 } }),
      ),
    ).toEqual([
      {
        path: ['enricher', 'geoCacheSize'],
        message: expect.stringMatching(/^must be a whole number from 0/),
      },
      { path: ['aggregator', 'topK'], message: 'must be a whole number from 100 to 1000; got 5' },
    ]);
  });
});

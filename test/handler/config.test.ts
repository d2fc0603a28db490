import { describe, expect, it } from 'vitest';
import { HandlerConfigError, resolveSettings, settingsFromEnv } from '../../src/handler/config.js';

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
    expect(text).toContain('CFRT_USER_AGENT must be "true" or "false"');
    expect(text).toMatch(/CFRT_FIELDS the field list is required/);
    expect(text).toMatch(/CFRT_SAMPLING_RATE must be a number from 1 to 100/);
    expect(text).toMatch(/CFRT_WINDOW_SECONDS must be a whole number of seconds/);
    expect(text).toMatch(/CFRT_SINKS unknown sink "s3"/);
    expect(text).toMatch(/CFRT_STORAGE_RESOLUTION must be 1 \(high resolution\) or 60/);
    expect(text).toMatch(/CFRT_DIMENSIONS names unknown dimension "colour"/);
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
      expect.stringMatching(/^CFRT_COLOUR is not a setting; the settings are CFRT_FIELDS, /),
      'CFRT_DIMENSION is not a setting; did you mean CFRT_DIMENSIONS?',
      'CFRT_SINK is not a setting; did you mean CFRT_SINKS?',
    ]);
    // Other environment variables are none of the handler's business.
    expect(
      settingsFromEnv({ CFRT_FIELDS: FIELDS, AWS_REGION: 'eu-west-1', PATH: '/usr/bin' }).fields,
    ).toHaveLength(5);
  });

  it('reports a problem found before validation once, alone or with others', () => {
    expect(problemsOf(() => settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_USER_AGENT: 'off' }))).toEqual([
      'CFRT_USER_AGENT must be "true" or "false"; got "off"',
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
    expect(text).toMatch(/CFRT_TABLE_NAME is required with the dynamodb sink/);
    expect(text).toMatch(/CFRT_PROCESSED_STREAM_NAME is required with the kinesis sink/);
    expect(text).toMatch(/CFRT_QUARANTINE_STREAM_NAME is required with quarantine "kinesis"/);
    expect(text).toMatch(
      /CFRT_HMAC_KEY is required with clientIp "hash": a secret of at least 16 characters/,
    );
  });

  it('checks the field list against the catalogue with the other settings', () => {
    const text = problemsOf(() =>
      settingsFromEnv({ CFRT_FIELDS: 'timestamp,date,c-ipp', CFRT_SAMPLING_RATE: '0' }),
    ).join('\n');
    expect(text).toMatch(/CFRT_SAMPLING_RATE must be from 1 to 100/);
    expect(text).toMatch(/CFRT_FIELDS: "date" is a CloudFront standard-log field/);
    expect(text).toMatch(/CFRT_FIELDS: .*"c-ipp"/);
  });

  it('names unknown dimensions with the list of known ones', () => {
    const [problem] = problemsOf(() =>
      settingsFromEnv({ CFRT_FIELDS: FIELDS, CFRT_DIMENSIONS: 'country;colour' }),
    );
    expect(problem).toMatch(
      /CFRT_DIMENSIONS names unknown dimension "colour"; use one of host, distribution/,
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
    expect(text).toMatch(/samplingRate must be from 1 to 100/);
    expect(text).toMatch(/sinks names a sink twice/);
    expect(text).toMatch(/metricsNamespace must not start with "AWS\/"/);
  });
});

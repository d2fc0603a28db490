/**
 * Field lists as users have them: typed names, a JSON array, or the AWS CLI's JSON of a real-time
 * log config, from `--fields` or `--fields-file`.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/errors.js';
import { fieldListFromArgs, fieldListOf } from '../../src/cli/field-list.js';

/** What `aws cloudfront get-realtime-log-config --name cdn` prints (trimmed to three fields). */
const GET_REALTIME_LOG_CONFIG = {
  ETag: 'E2QWRUHEXAMPLE',
  RealtimeLogConfig: {
    ARN: 'arn:aws:cloudfront::111122223333:realtime-log-config/ExampleNameForConfiguration',
    Name: 'cdn',
    SamplingRate: 100,
    EndPoints: [
      {
        StreamType: 'Kinesis',
        KinesisStreamConfig: {
          RoleARN: 'arn:aws:iam::111122223333:role/CloudFront_RealtimeLogs',
          StreamARN: 'arn:aws:kinesis:us-east-1:111122223333:stream/cdn',
        },
      },
    ],
    Fields: ['timestamp', 'c-ip', 'sc-status'],
  },
};

describe('fieldListOf', () => {
  it('splits typed names on commas and white space', () => {
    expect(fieldListOf(' timestamp, c-ip\n sc-status\n', '--fields')).toEqual([
      'timestamp',
      'c-ip',
      'sc-status',
    ]);
  });

  it('reads the JSON that aws cloudfront get-realtime-log-config prints, as it is', () => {
    const text = JSON.stringify(GET_REALTIME_LOG_CONFIG, null, 4);
    expect(fieldListOf(text, 'config.json')).toEqual(['timestamp', 'c-ip', 'sc-status']);
  });

  it('reads a JSON array of names, one config object, and a list holding one config', () => {
    expect(fieldListOf('["timestamp", "sc-status"]', '--fields')).toEqual(['timestamp', 'sc-status']);
    expect(fieldListOf(JSON.stringify(GET_REALTIME_LOG_CONFIG.RealtimeLogConfig), 'f')).toEqual([
      'timestamp',
      'c-ip',
      'sc-status',
    ]);
    const list = {
      RealtimeLogConfigs: { MaxItems: '100', Items: [GET_REALTIME_LOG_CONFIG.RealtimeLogConfig] },
    };
    expect(fieldListOf(JSON.stringify(list), 'f')).toEqual(['timestamp', 'c-ip', 'sc-status']);
  });

  it('refuses JSON it cannot take a list from, saying what it expected', () => {
    expect(() => fieldListOf('{"Fields": "timestamp"}', 'f.json')).toThrow(
      /f\.json holds JSON without a field list: expected a JSON array of field names, or the JSON of `aws cloudfront get-realtime-log-config`/,
    );
    expect(() => fieldListOf('[1, 2]', 'f.json')).toThrow(UsageError);
    expect(() => fieldListOf('{"RealtimeLogConfig": ', 'f.json')).toThrow(
      /f\.json starts like JSON but is not valid JSON/,
    );
    const two = {
      RealtimeLogConfigs: {
        Items: [
          { Name: 'a', Fields: ['timestamp'] },
          { Name: 'b', Fields: ['c-ip'] },
        ],
      },
    };
    expect(() => fieldListOf(JSON.stringify(two), 'f.json')).toThrow(
      'f.json lists 2 real-time log configs (a, b); give one: aws cloudfront get-realtime-log-config --name <config>.',
    );
  });
});

describe('fieldListFromArgs', () => {
  it('prefers --fields, reads --fields-file in any of the forms, and is undefined without either', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfrt-fields-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(GET_REALTIME_LOG_CONFIG));
    expect(fieldListFromArgs({ 'fields-file': file })).toEqual(['timestamp', 'c-ip', 'sc-status']);
    expect(fieldListFromArgs({ fields: 'timestamp', 'fields-file': file })).toEqual(['timestamp']);
    expect(fieldListFromArgs({})).toBeUndefined();
    expect(() => fieldListFromArgs({ 'fields-file': join(dir, 'missing.txt') })).toThrow(UsageError);
  });
});

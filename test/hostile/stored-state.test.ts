/**
 * Hostile values never poison stored state: a Host of 2,100 characters or of 240 x '€', control
 * characters in a dimension, non-ASCII top-N keys with topK 200. Each is written to a real local
 * DynamoDB (dynalite) and read back, where before the write was refused on every retry.
 */
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_DIMENSION_VALUE_LENGTH, normalizeDimensionValue } from '../../src/aggregate/dimension-value.js';
import { createAggregator, DIMENSION_NAMES, summarize, type WindowCell } from '../../src/aggregate/index.js';
import {
  createDynamoDbSink,
  MAX_PARTITION_KEY_BYTES,
  seriesKey,
  windowTableDefinition,
} from '../../src/sinks/dynamodb.js';
import { closeAll, dynamoClient, type LocalServer, startDynalite } from '../helpers/local-aws.js';

const START = Date.UTC(2025, 2, 1, 12, 0, 0);
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

describe('dimension values as keys', () => {
  it('are printable ASCII of at most 64 characters, or null when blank, whatever the input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 3000, size: 'max' }), (raw) => {
        const v = normalizeDimensionValue(raw);
        if (raw.trim() === '') expect(v).toBeNull();
        else {
          expect(v).toMatch(PRINTABLE_ASCII);
          expect(v!.length).toBeLessThanOrEqual(MAX_DIMENSION_VALUE_LENGTH);
          expect(v!.trim()).toBe(v);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('keep plain values as they are and distinct values distinct', () => {
    for (const plain of ['www.example.com', 'IAD89-C1', 'US', '2xx', '/images/*'])
      expect(normalizeDimensionValue(plain)).toBe(plain);
    expect(normalizeDimensionValue('€.example')).toBe('%E2%82%AC.example');
    expect(normalizeDimensionValue('%E2%82%AC.example')).toBe('%25E2%2582%25AC.example');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        fc.string({ unit: 'grapheme', maxLength: 20 }),
        (a, b) => {
          fc.pre(a.trim() !== b.trim() && a.trim() !== '' && b.trim() !== '');
          expect(normalizeDimensionValue(a)).not.toBe(normalizeDimensionValue(b));
        },
      ),
    );
  });

  it('make a partition key under 2,048 bytes even for a set of every dimension', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', minLength: 1, maxLength: 500 }), { minLength: 9, maxLength: 9 }),
        (values) => {
          const dims: Record<string, string> = {};
          DIMENSION_NAMES.forEach((name, i) => {
            dims[name] = normalizeDimensionValue(values[i]!) ?? 'unknown';
          });
          expect(Buffer.byteLength(seriesKey(dims))).toBeLessThanOrEqual(MAX_PARTITION_KEY_BYTES);
        },
      ),
      { numRuns: 200 },
    );
  });
});

let server: LocalServer;
let client: DynamoDBClient;
let tables = 0;

beforeAll(async () => {
  server = await startDynalite();
  client = dynamoClient(server.endpoint);
});
afterAll(async () => {
  client?.destroy();
  await closeAll(server);
});

async function sinkOnNewTable() {
  const table = `hostile-${++tables}`;
  await client.send(new CreateTableCommand(windowTableDefinition(table)));
  return createDynamoDbSink({ client, tableName: table, retry: { sleep: async () => {}, maxAttempts: 3 } });
}

async function roundTrip(cells: readonly WindowCell[], dimensions: Record<string, string> = {}) {
  const sink = await sinkOnNewTable();
  const result = await sink.write(cells, {
    batch: { shardId: 'shardId-000000000000', firstSequenceNumber: '1' },
  });
  const back = await sink.readWindows(START - 60_000, START + 60_000, dimensions, {
    consistentRead: true,
    now: () => START,
  });
  return { result, back };
}

describe('stored state under hostile values (dynalite)', () => {
  it('stores and reads back the cells of a 2,100-character Host, a Host of 240 x "€" and one with control characters', async () => {
    const agg = createAggregator({ dimensions: [['host']] });
    const hosts = ['h'.repeat(2_100), '€'.repeat(240), 'evil\u001b[2J\r\nhost', '   '];
    for (const host of hosts) agg.add({ timestamp: START + 1_000, 'cs-host': host, 'sc-status': 200 });
    const cells = agg.cells();
    for (const c of cells) expect(c.dimensions.host).toMatch(PRINTABLE_ASCII);
    const sink = await sinkOnNewTable();
    const result = await sink.write(cells, {
      batch: { shardId: 'shardId-000000000000', firstSequenceNumber: '1' },
    });
    expect(result.failed).toEqual([]);
    for (const c of cells) {
      const back = await sink.readWindows(START - 60_000, START + 60_000, c.dimensions, {
        consistentRead: true,
        now: () => START,
      });
      expect(back.map((b) => summarize(b).requests)).toEqual([summarize(c).requests]);
    }
  });

  it('fits a cell with topK 200 and long non-ASCII keys in every top-N list into one item, the heaviest keys kept', async () => {
    const agg = createAggregator({ topK: 200 });
    const key = (i: number) => `${'€'.repeat(120)}${i}`;
    for (let i = 0; i < 600; i++) {
      const k = key(i);
      // Key i is seen 600 - i times: the heaviest are the lowest numbers.
      for (let n = 0; n < (i < 20 ? 600 - i : 1); n++) {
        agg.add({
          timestamp: START + 1_000,
          'cs-uri-stem': `/${k}`,
          'c-ip': `198.51.100.${i % 250}`,
          'cs-referer': k,
          'cs-user-agent': k,
          'c-country': k,
          'x-edge-location': k,
          'x-edge-result-type': 'Miss',
          'sc-status': 500,
        });
      }
    }
    const [cell] = agg.cells();
    const { result, back } = await roundTrip([cell!]);
    expect(result.failed).toEqual([]);
    expect(back).toHaveLength(1);
    const stored = summarize(back[0]!, { top: 10 });
    const original = summarize(cell!, { top: 10 });
    expect(stored.requests).toBe(original.requests);
    expect(stored.top.referers.map((e) => e.key)).toEqual(original.top.referers.map((e) => e.key));
  });
});

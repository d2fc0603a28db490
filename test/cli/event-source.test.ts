/**
 * The event source mapping `cfrt replay` uses, against a real kinesalite: batches in shard order,
 * partial failures retried from the lowest failed sequence number, thrown errors retrying the
 * whole batch, and a batch given up on after the retries.
 */
import { CreateStreamCommand, KinesisClient, PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KinesisEvent, runEventSourceMapping } from '../../src/cli/event-source.js';
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  type LocalServer,
  startKinesalite,
} from '../../src/cli/local-aws.js';

let server: LocalServer;
let kinesis: KinesisClient;
let streams = 0;

beforeAll(async () => {
  server = await startKinesalite();
  kinesis = new KinesisClient({
    endpoint: server.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    requestHandler: new NodeHttpHandler(),
  });
});

afterAll(async () => {
  kinesis?.destroy();
  await server?.close();
});

/** A one-shard stream holding `n` records whose data is their index. */
async function streamOf(n: number): Promise<string> {
  const name = `esm-${++streams}`;
  await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
  await new Promise((r) => setTimeout(r, 50));
  await kinesis.send(
    new PutRecordsCommand({
      StreamName: name,
      Records: Array.from({ length: n }, (_, i) => ({ Data: Buffer.from(String(i)), PartitionKey: 'k' })),
    }),
  );
  return name;
}

const indexes = (event: KinesisEvent): number[] =>
  event.Records.map((r) => Number(Buffer.from(r.kinesis.data, 'base64').toString()));

describe('the event source mapping', () => {
  it('retries a partial failure from the lowest failed sequence number, then moves on', async () => {
    const name = await streamOf(10);
    const calls: number[][] = [];
    const stats = await runEventSourceMapping({
      kinesis,
      streamName: name,
      streamArn: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/${name}`,
      batchSize: 4,
      functionFor: () => async (event) => {
        const got = indexes(event);
        calls.push(got);
        // Records 2 and 3 fail once each time they are first seen; 3 is reported before 2.
        const failing = event.Records.filter(
          (_r, i) => (got[i] === 2 || got[i] === 3) && calls.filter((c) => c.includes(got[i]!)).length === 1,
        );
        return {
          batchItemFailures: failing.reverse().map((r) => ({ itemIdentifier: r.kinesis.sequenceNumber })),
        };
      },
    });
    expect(calls).toEqual([
      [0, 1, 2, 3],
      [2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(stats).toMatchObject({ shards: 1, invocations: 4, delivered: 12, retries: 1, discarded: 0 });
  });

  it('retries the whole batch when the function throws, and gives up after the retries', async () => {
    const name = await streamOf(3);
    const calls: number[][] = [];
    const stats = await runEventSourceMapping({
      kinesis,
      streamName: name,
      streamArn: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/${name}`,
      batchSize: 10,
      maxRetries: 2,
      functionFor: () => async (event) => {
        calls.push(indexes(event));
        throw new Error('boom');
      },
    });
    expect(calls).toEqual([
      [0, 1, 2],
      [0, 1, 2],
      [0, 1, 2],
    ]);
    expect(stats).toMatchObject({
      invocations: 3,
      retries: 2,
      discarded: 3,
      errors: ['boom', 'boom', 'boom'],
    });
  });

  it('treats an identifier that names no record of the batch as a failure of the whole batch', async () => {
    const name = await streamOf(2);
    let n = 0;
    const stats = await runEventSourceMapping({
      kinesis,
      streamName: name,
      streamArn: `arn:aws:kinesis:${LOCAL_REGION}:000000000000:stream/${name}`,
      batchSize: 10,
      functionFor: () => async () => ({ batchItemFailures: n++ === 0 ? [{ itemIdentifier: 'nope' }] : [] }),
    });
    expect(stats).toMatchObject({ invocations: 2, delivered: 4, retries: 1, discarded: 0 });
  });
});

import { afterEach, describe, expect, it, vi } from 'vitest';
import { generateLines } from '../../fixtures/generator.js';
import { kinesisEvent, lambdaContext } from '../helpers/events.js';

const FIELDS = ['timestamp', 'c-ip', 'sc-status', 'sc-bytes', 'x-edge-location', 'time-taken'];
const saved = { ...process.env };

afterEach(() => {
  for (const k of Object.keys(process.env)) if (k.startsWith('CFRT_')) delete process.env[k];
  Object.assign(process.env, saved);
  vi.restoreAllMocks();
  vi.resetModules();
});

describe('src/lambda.ts (the deployed entry)', () => {
  it('fails at cold start with a message naming the variable to change', async () => {
    process.env.CFRT_FIELDS = 'timestamp,c-ip';
    process.env.CFRT_SAMPLING_RATE = '500';
    await expect(import('../../src/lambda.js')).rejects.toThrow(/CFRT_SAMPLING_RATE: must be from 1 to 100/);
  });

  it('builds the handler from the environment and prints EMF and one log line per invocation', async () => {
    process.env.CFRT_FIELDS = FIELDS.join(',');
    process.env.CFRT_DIMENSIONS = 'none;edgeLocation';
    process.env.CFRT_METRICS_NAMESPACE = 'Test/Lambda';
    const printed: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const { handler } = await import('../../src/lambda.js');
    const lines = generateLines({ fields: FIELDS, count: 200, seed: 3, startMs: Date.UTC(2025, 2, 1) });
    const response = await handler(kinesisEvent(lines.map((g) => g.line)), lambdaContext());
    expect(response).toEqual({ batchItemFailures: [] });
    const docs = printed.map((p) => JSON.parse(p));
    const emf = docs.filter((d) => d._aws !== undefined);
    expect(emf.length).toBeGreaterThan(0);
    expect(emf[0]._aws.CloudWatchMetrics[0].Namespace).toBe('Test/Lambda');
    const streamWide = emf.filter((d) => d._aws.CloudWatchMetrics[0].Dimensions[0].length === 0);
    // Latency values past the first 100 records go on in more documents without the counts.
    expect(streamWide.reduce((a, d) => a + (d.Requests ?? 0), 0)).toBe(200);
    expect(streamWide.flatMap((d) => d.TimeTaken ?? [])).toHaveLength(200);
    const logs = docs.filter((d) => d.message === 'cfrt processed a Kinesis batch');
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatchObject({ records: 200, parsed: 200, malformed: 0 });
  });
});

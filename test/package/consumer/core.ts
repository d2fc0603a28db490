/**
 * A consumer that uses the core, the memory and EMF sinks and the handler, and no AWS SDK. The
 * package test type-checks it with `tsc --strict` (no skipLibCheck) in a project where no
 * `@aws-sdk/*` package is installed, under moduleResolution node16 (as ESM and, copied to a
 * `.cts`, as CJS), bundler and node10.
 */
import {
  createAggregator,
  createEnricher,
  createParser,
  RECOMMENDED_FIELDS,
  summarize,
  type WindowCell,
  type WindowSummary,
} from 'cloudfront-realtime-logs';
import { createAggregator as createAggregatorAlone } from 'cloudfront-realtime-logs/aggregate';
import { detectFindings, type Finding } from 'cloudfront-realtime-logs/detect';
import { createEnricher as createEnricherAlone } from 'cloudfront-realtime-logs/enrich';
import {
  createHandler,
  type HandlerClients,
  type KinesisStreamEvent,
  type RealtimeLogHandler,
} from 'cloudfront-realtime-logs/handler';
import { createParser as createParserAlone, FIELD_NAMES } from 'cloudfront-realtime-logs/parser';
import { createMemorySink, type Sink } from 'cloudfront-realtime-logs/sinks';
import { createEmfSink } from 'cloudfront-realtime-logs/sinks/emf';

// A const field list types the record: exactly these keys, each with its decoded type.
const parser = createParser(['timestamp', 'sc-status', 'cs-uri-stem'] as const);
const result = parser.parseLine('1600299221.087\t304\t/index.html');
export const status: number | null = result.ok ? result.record['sc-status'] : null;
export const path: string | null = result.ok ? result.record['cs-uri-stem'] : null;

const enricher = createEnricher();
const aggregator = createAggregator({ windowSeconds: 60 });
if (result.ok) aggregator.add(enricher.derive(result.record));
export const summaries: WindowSummary[] = aggregator.drain().map((cell) => summarize(cell));

export const alone = [createParserAlone(RECOMMENDED_FIELDS), createEnricherAlone(), createAggregatorAlone()];
export const known: readonly string[] = FIELD_NAMES;

const state: Sink<WindowCell> = createMemorySink<WindowCell>();
export const emf = createEmfSink({ namespace: 'CDN/Edge', output: () => {} });

// A client typed by shape: no SDK needed to type `clients`.
export const clients: HandlerClients = { dynamodb: { send: async () => ({}) } };

export const handler: RealtimeLogHandler = createHandler({
  fields: RECOMMENDED_FIELDS,
  sinks: ['emf'],
  stateSinks: [state],
});

export async function invoke(event: KinesisStreamEvent): Promise<number> {
  const response = await handler(event);
  return response.batchItemFailures.length;
}

// Findings from the same summaries, with no AWS SDK: the detect subpath is pure.
export const findings: Finding[] = detectFindings({ window: summaries }, { clientRequestsPerMinute: 600 });

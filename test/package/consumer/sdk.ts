/**
 * A consumer of the AWS sinks, with the SDK v3 clients installed: the clients the SDK makes fit
 * the sinks' options and the handler's `clients` alike. Type-checked by the package test.
 */
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { KinesisClient } from '@aws-sdk/client-kinesis';
import { RECOMMENDED_FIELDS } from 'cloudfront-realtime-logs';
import { createHandler, type HandlerClients } from 'cloudfront-realtime-logs/handler';
import { createCloudWatchSink } from 'cloudfront-realtime-logs/sinks/cloudwatch';
import {
  createDynamoDbSink,
  type QueryWindowsResult,
  queryWindows,
} from 'cloudfront-realtime-logs/sinks/dynamodb';
import { createEventBridgeSink } from 'cloudfront-realtime-logs/sinks/eventbridge';
import { createKinesisSink } from 'cloudfront-realtime-logs/sinks/kinesis';

const cloudwatch = new CloudWatchClient({ region: 'us-east-1' });
const dynamodb = new DynamoDBClient({ region: 'us-east-1' });
const kinesis = new KinesisClient({ region: 'us-east-1' });

export const clients: HandlerClients = { cloudwatch, dynamodb, kinesis };

export const sinks = {
  metrics: createCloudWatchSink({ client: cloudwatch, namespace: 'CDN/Edge' }),
  state: createDynamoDbSink({ client: dynamodb, tableName: 'windows' }),
  records: createKinesisSink<Record<string, unknown>>({ client: kinesis, streamName: 'processed' }),
};

export const handler = createHandler({
  fields: RECOMMENDED_FIELDS,
  sinks: ['cloudwatch', 'dynamodb', 'kinesis'],
  tableName: 'windows',
  processedStreamName: 'processed',
  clients,
});

// Another Lambda reading the stored windows: the SDK's client fits queryWindows' `client`.
export const lastHour: Promise<QueryWindowsResult> = queryWindows({
  client: dynamodb,
  table: 'windows',
  from: Date.now() - 3_600_000,
  to: Date.now(),
  dimensions: [[], ['country']],
  window: 300,
});

// Findings published to EventBridge: the SDK's client fits the sink's `client`.
export const findingsSink = createEventBridgeSink({ client: new EventBridgeClient({ region: 'us-east-1' }) });

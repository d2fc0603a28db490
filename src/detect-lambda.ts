/**
 * The findings detector the SAM app runs on a schedule (every minute): `createDetector` over the
 * window table, publishing to EventBridge. Settings come from `CFRT_*` variables, checked at cold
 * start (a bad one fails the init, in the log, rather than every run). The AWS SDK v3 is the
 * runtime's (not bundled), like the processor's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { createDetector, type DetectorRun } from './api/detector.js';
import { detectorSettingsFromEnv } from './api/detector-config.js';
import { createEventBridgeSink } from './sinks/eventbridge.js';

const settings = detectorSettingsFromEnv(process.env);
const sink = createEventBridgeSink({
  client: new EventBridgeClient({}),
  eventBusName: settings.eventBusName,
  source: settings.eventSource,
});
const detector = createDetector({
  dynamodb: new DynamoDBClient({}),
  table: settings.tableName,
  windowSeconds: settings.windowSeconds,
  behaviors: settings.behaviors,
  delaySeconds: settings.delaySeconds,
  baselineWindows: settings.baselineWindows,
  detect: settings.detect,
  publish: (findings) => sink.publish(findings),
});

/** One run per scheduled event; the event itself carries nothing the detector needs. */
export const handler = async (): Promise<DetectorRun> => detector.run();

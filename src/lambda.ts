/**
 * The deployable Lambda entry (SAM app): a handler configured from `CFRT_*` environment variables.
 * Not a library entry; built by tsup into dist/lambda/index.mjs with its dependencies bundled
 * (the AWS SDK v3 comes from the nodejs22.x/24.x runtime).
 *
 * A bad configuration throws during init, so the function fails at cold start with a message
 * naming the variable to change, instead of failing (or worse, succeeding) on every batch.
 */
import { createHandlerFromSettings, type HandlerClients, settingsFromEnv } from './handler.js';

/** SDK attempts per call: the sinks retry with backoff inside the Lambda's remaining time. */
const SDK_MAX_ATTEMPTS = 2;

const settings = settingsFromEnv(process.env);

async function loadClients(): Promise<HandlerClients> {
  const kinds = new Set<string>(settings.sinks);
  if (settings.quarantine === 'kinesis') kinds.add('kinesis');
  const clients: { -readonly [K in keyof HandlerClients]: HandlerClients[K] } = {};
  if (kinds.has('cloudwatch')) {
    const { CloudWatchClient } = await import('@aws-sdk/client-cloudwatch');
    clients.cloudwatch = new CloudWatchClient({ maxAttempts: SDK_MAX_ATTEMPTS });
  }
  if (kinds.has('dynamodb')) {
    const { DynamoDBClient } = await import('@aws-sdk/client-dynamodb');
    clients.dynamodb = new DynamoDBClient({ maxAttempts: SDK_MAX_ATTEMPTS });
  }
  if (kinds.has('kinesis')) {
    const { KinesisClient } = await import('@aws-sdk/client-kinesis');
    clients.kinesis = new KinesisClient({ maxAttempts: SDK_MAX_ATTEMPTS });
  }
  // The client-address key: the SAM app passes the secret's ARN, never its value.
  if (settings.hmacKeySecret !== undefined) {
    const { SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
    clients.secretsManager = new SecretsManagerClient({ maxAttempts: 3 });
  }
  return clients;
}

const created = createHandlerFromSettings(settings, { clients: await loadClients() });
await created.ready;

/** The Lambda handler: `Handler: index.handler` in the SAM template. */
export const handler = created;

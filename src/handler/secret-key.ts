/**
 * The client-address key, read from AWS Secrets Manager once at cold start. The SAM app creates
 * the secret with a generated value and gives the function its ARN (`CFRT_HMAC_KEY_SECRET`), never
 * the value: the key is not in the function's configuration, its environment or the template.
 * `@aws-sdk/client-secrets-manager` is an optional peer, loaded only when a secret is named; the
 * client is injected (`clients.secretsManager`), so tests point it at a local server.
 */

import { secretKeyIssues } from '../model/secret-key.js';
import { lazyModule } from '../sinks/lazy-module.js';
import { HandlerConfigError } from './config.js';

/** What the key fetch needs of a Secrets Manager client: its `send`. */
export interface SecretsClient {
  send(command: object, options?: object): Promise<unknown>;
}

const sdk = lazyModule(() => import('@aws-sdk/client-secrets-manager'));

/**
 * The secret's value (`SecretString`, or `SecretBinary` as UTF-8), checked to be a usable key.
 * Rejects with a `HandlerConfigError` naming the variable; the value never appears in a message.
 *
 * @example
 * const key = await fetchSecretKey(new SecretsManagerClient({}), process.env.CFRT_HMAC_KEY_SECRET!);
 */
export async function fetchSecretKey(client: SecretsClient, secretId: string): Promise<string> {
  const issue = (message: string) => ({ path: ['hmacKeySecret'], name: 'CFRT_HMAC_KEY_SECRET', message });
  const where = `the secret ${JSON.stringify(secretId)}`;
  let answer: { SecretString?: string; SecretBinary?: Uint8Array };
  try {
    const { GetSecretValueCommand } = await sdk();
    answer = (await client.send(new GetSecretValueCommand({ SecretId: secretId }))) as typeof answer;
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new HandlerConfigError([issue(`${where} could not be read: ${why}`)], { cause: error });
  }
  const key =
    typeof answer.SecretString === 'string'
      ? answer.SecretString
      : answer.SecretBinary instanceof Uint8Array
        ? Buffer.from(answer.SecretBinary).toString('utf8')
        : undefined;
  if (key === undefined) throw new HandlerConfigError([issue(`${where} has no value`)]);
  // The one rule for keys, in bytes; the value itself never appears in a message.
  const [short] = secretKeyIssues(key);
  if (short !== undefined)
    throw new HandlerConfigError([issue(`${where} ${short.message.replace(/^must be/, 'must hold')}`)]);
  return key;
}

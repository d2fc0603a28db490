/**
 * The query Lambda the SAM app deploys behind a Function URL (AWS_IAM auth): `createQueryApi`
 * over the window table named by `CFRT_TABLE_NAME`, with a client made once per container. The
 * AWS SDK v3 is the runtime's (not bundled), like the processor's.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createQueryApi } from './api/query-api.js';

const table = process.env.CFRT_TABLE_NAME;
// Refused at cold start, in the log, rather than as a 500 on every request.
if (table === undefined || table === '') throw new Error('CFRT_TABLE_NAME must name the window table.');

export const handler = createQueryApi({ client: new DynamoDBClient({}), table });

/** Real SDK v3 clients pointed at the loopback servers of test/helpers/deploy-aws.ts. */
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LambdaClient } from '@aws-sdk/client-lambda';
import type { DeployClients } from '../../src/cli/deploy-aws.js';
import { LOCAL_CREDENTIALS } from '../../src/cli/local-aws.js';

/** The stack's region in these tests: not us-east-1, so CloudFront's metrics need their own client. */
export const STACK_REGION = 'eu-west-1';

export interface Endpoints {
  cloudfront?: string;
  cloudformation?: string;
  lambda?: string;
  cloudwatch?: string;
  dynamodb?: string;
}

/** `DeployClients` as `sdkClients` makes them, at local endpoints; unused ones are never created. */
export function localClients(endpoints: Endpoints, maxAttempts = 3): DeployClients {
  const made: { destroy(): void }[] = [];
  const config = (endpoint: string | undefined, region = STACK_REGION) => {
    if (endpoint === undefined) throw new Error('no endpoint for this service in this test');
    return { endpoint, region, credentials: LOCAL_CREDENTIALS, maxAttempts };
  };
  const lazy = <C extends { destroy(): void }>(make: () => C) => {
    let c: C | undefined;
    return async () => {
      if (c === undefined) {
        c = make();
        made.push(c);
      }
      return c;
    };
  };
  return {
    cloudfront: lazy(() => new CloudFrontClient(config(endpoints.cloudfront, 'us-east-1'))),
    cloudformation: lazy(() => new CloudFormationClient(config(endpoints.cloudformation))),
    lambda: lazy(() => new LambdaClient(config(endpoints.lambda))),
    cloudwatch: lazy(() => new CloudWatchClient(config(endpoints.cloudwatch))),
    cloudwatchGlobal: lazy(() => new CloudWatchClient(config(endpoints.cloudwatch, 'us-east-1'))),
    dynamodb: lazy(() => new DynamoDBClient(config(endpoints.dynamodb))),
    destroy() {
      for (const c of made) c.destroy();
    },
  };
}

/** Collects what a command writes. */
export function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      out: { write: (t: string) => out.push(t) },
      err: { write: (t: string) => err.push(t) },
      sleep: async () => {},
    },
    out: () => out.join(''),
    err: () => err.join(''),
  };
}

// A consumer's Lambda entry, bundled by the package test with esbuild as a consumer would (the
// AWS SDK left to the runtime): its size is the consumer's cold-start cost of this library.
import { createHandler } from 'cloudfront-realtime-logs/handler';

export const handler = createHandler({
  fields: process.env.FIELDS ?? 'timestamp,c-ip,sc-status,cs-uri-stem,cs-user-agent',
  sinks: ['emf'],
});

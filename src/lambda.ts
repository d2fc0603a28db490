/**
 * The deployable Lambda entry (SAM app): a handler configured from environment variables.
 * Not a library entry; built by tsup into dist/lambda/index.mjs with its dependencies bundled.
 * Placeholder until the handler lands (issue 5).
 */
export const handler = async (): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => ({
  batchItemFailures: [],
});

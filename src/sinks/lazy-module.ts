/**
 * Loads a module once, on first use. The AWS sinks load their SDK client package this way, so the
 * SDK (an optional peer dependency) is needed only by a sink that actually writes, and a bundle of
 * the handler does not load every SDK at cold start.
 *
 * @example
 * const sdk = lazyModule(() => import('@aws-sdk/client-kinesis'));
 * const { PutRecordsCommand } = await sdk();
 */
export function lazyModule<M>(load: () => Promise<M>): () => Promise<M> {
  let loading: Promise<M> | undefined;
  return () => {
    loading ??= load().catch((error: unknown) => {
      loading = undefined;
      throw error;
    });
    return loading;
  };
}

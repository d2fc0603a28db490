export type { Sink, SinkFailure, SinkResult, WriteOptions } from './types.js';

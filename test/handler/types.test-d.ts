import { describe, expectTypeOf, it } from 'vitest';
import type { WindowCell } from '../../src/aggregate/index.js';
import {
  createHandler,
  type HandlerConfig,
  type KinesisBatchResponse,
  type KinesisStreamEvent,
  type LambdaContext,
  type QuarantinedLine,
  type QuarantineSink,
  type RealtimeLogHandler,
} from '../../src/handler.js';
import { createEmfSink } from '../../src/sinks/emf.js';
import { createMemorySink, type MetricSink, type Sink, type SinkResult } from '../../src/sinks/index.js';

describe('handler types', () => {
  it('createHandler returns a Lambda handler resolving to a partial batch response', () => {
    const handler = createHandler({ fields: 'timestamp,sc-status' });
    expectTypeOf(handler).toEqualTypeOf<RealtimeLogHandler>();
    expectTypeOf(handler).parameters.toEqualTypeOf<[KinesisStreamEvent, (LambdaContext | undefined)?]>();
    expectTypeOf(handler).returns.resolves.toEqualTypeOf<KinesisBatchResponse>();
    expectTypeOf(handler.ready).toEqualTypeOf<Promise<void>>();
  });

  it('settings accept only known sinks, quarantines and resolutions', () => {
    expectTypeOf<HandlerConfig['sinks']>().toEqualTypeOf<
      readonly ('emf' | 'cloudwatch' | 'dynamodb' | 'kinesis')[] | undefined
    >();
    expectTypeOf<HandlerConfig['quarantine']>().toEqualTypeOf<'log' | 'kinesis' | 'none' | undefined>();
    expectTypeOf<HandlerConfig['storageResolution']>().toEqualTypeOf<1 | 60 | undefined>();
    // @ts-expect-error: not a sink this library knows
    createHandler({ fields: 'timestamp', sinks: ['s3'] });
  });

  it('custom sinks are typed by what they receive', () => {
    expectTypeOf(createMemorySink<WindowCell>()).toExtend<
      NonNullable<HandlerConfig['metricSinks']>[number]
    >();
    expectTypeOf(createEmfSink()).toEqualTypeOf<MetricSink>();
    expectTypeOf<MetricSink>().toExtend<Sink<WindowCell>>();
    expectTypeOf<NonNullable<HandlerConfig['quarantineSink']>>().toEqualTypeOf<QuarantineSink>();
    // Any sink of quarantined lines fits; `keepsAtMost` is an option of the sink.
    expectTypeOf<Sink<QuarantinedLine>>().toExtend<QuarantineSink>();
    expectTypeOf<Sink<number>['write']>().returns.resolves.toEqualTypeOf<SinkResult>();
  });
});

/**
 * A `cfrt analyze --threads` worker: builds its own parser, enricher and aggregators from the
 * command's options, then runs the units the main thread sends it one at a time (the same
 * `runUnit` the main thread runs) and sends back each result as plain data.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { RealtimeLogError } from '../parser/errors.js';
import type { UnitRequest, WorkerFailure, WorkerInit, WorkerMessage } from './analyze-pool.js';
import { ProgressRelay } from './analyze-pool.js';
import { MalformedRecorder, runUnit, toResult, type UnitProgress, unitContext } from './analyze-unit.js';

const port = parentPort;
if (port === null) throw new Error('analyze-worker.js runs as a worker thread of cfrt analyze.');
const init = workerData as WorkerInit;
const context = unitContext(init.options, init.now);
const send = (message: WorkerMessage): void => port.postMessage(message);
const quiet: UnitProgress = { tick: () => {} };

function failureOf(error: unknown): WorkerFailure {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      message: error.message,
      stack: error.stack,
      code: typeof code === 'string' ? code : undefined,
      input: error instanceof RealtimeLogError,
    };
  }
  return { message: String(error), input: false };
}

port.on('message', (request: UnitRequest) => {
  const recorder = new MalformedRecorder();
  const relay = init.progress ? new ProgressRelay(send) : null;
  runUnit(context, request.unit, relay ?? quiet, recorder).then(
    (outcome) => {
      relay?.flush();
      send({ type: 'result', index: request.index, result: toResult(outcome, recorder) });
    },
    (error: unknown) => send({ type: 'error', index: request.index, error: failureOf(error) }),
  );
});

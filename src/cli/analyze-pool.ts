/**
 * Runs `cfrt analyze`'s units on worker threads (analyze-worker.ts) and hands their results to the
 * main thread in unit order, whatever order they finish in; or runs them one after another on the
 * main thread. Both give the same results: a unit's result depends on its lines only.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { AnalyzeOptions } from './analyze.js';
import {
  MalformedRecorder,
  runUnit,
  toResult,
  type UnitContext,
  type UnitProgress,
  type UnitResult,
} from './analyze-unit.js';
import { InputError } from './errors.js';
import { readsStdin, type Unit } from './file-chunks.js';

/** Most threads `--threads auto` starts (each worker holds its own parser, caches and cells). */
export const MAX_AUTO_THREADS = 8;
/** Most threads `--threads` takes. */
export const MAX_THREADS = 64;
/** Lines a worker counts before it tells the main thread's progress display. */
const PROGRESS_EVERY = 4096;

/** What a worker is started with (`workerData`): all it needs to build its own context. */
export interface WorkerInit {
  readonly options: AnalyzeOptions;
  /** The main thread's clock at the start, for the plausible time range. */
  readonly now: number;
  /** Whether to send progress messages. */
  readonly progress: boolean;
}

/** The main thread asks a worker to run one unit. */
export interface UnitRequest {
  readonly index: number;
  readonly unit: Unit;
}

/** A worker's failure, as data (an Error does not cross threads with its class). */
export interface WorkerFailure {
  readonly message: string;
  readonly stack?: string | undefined;
  readonly code?: string | undefined;
  /** A failure of the input (a `RealtimeLogError`): reported as `cfrt` reports bad input. */
  readonly input: boolean;
}

/** What a worker sends back. */
export type WorkerMessage =
  | { readonly type: 'result'; readonly index: number; readonly result: UnitResult }
  | { readonly type: 'error'; readonly index: number; readonly error: WorkerFailure }
  | {
      readonly type: 'progress';
      readonly records: number;
      readonly malformed: number;
      readonly bytes: number;
    };

/** Counts a worker's lines and sends them to the main thread now and then (`PROGRESS_EVERY`). */
export class ProgressRelay implements UnitProgress {
  #records = 0;
  #malformed = 0;
  #bytes = 0;
  readonly #send: (message: WorkerMessage) => void;

  constructor(send: (message: WorkerMessage) => void) {
    this.#send = send;
  }

  tick(bytes: number, malformed = false): void {
    this.#bytes += bytes;
    if (malformed) this.#malformed++;
    else this.#records++;
    if (this.#records + this.#malformed >= PROGRESS_EVERY) this.flush();
  }

  flush(): void {
    if (this.#records + this.#malformed === 0) return;
    this.#send({ type: 'progress', records: this.#records, malformed: this.#malformed, bytes: this.#bytes });
    this.#records = 0;
    this.#malformed = 0;
    this.#bytes = 0;
  }
}

/** The progress display of the main thread, as far as the pool uses it. */
export interface PoolProgress extends UnitProgress {
  readonly active: boolean;
  bytes: number;
}

/** The threads `--threads auto` means on this machine. */
export function autoThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_AUTO_THREADS));
}

/**
 * The worker's file beside the built CLI; null when running from the TypeScript sources (tests,
 * tsx), where units run on the main thread, to the same results.
 */
function workerFile(): URL | null {
  // The CLI's code may sit in dist/cli/ or in a shared chunk in dist/: try both.
  for (const path of ['./analyze-worker.js', './cli/analyze-worker.js']) {
    const url = new URL(path, import.meta.url);
    if (url.protocol === 'file:' && existsSync(url)) return url;
  }
  return null;
}

/** Options of `runUnits`. */
export interface RunUnitsOptions {
  readonly threads: number;
  readonly progress: PoolProgress;
  /** The main thread's clock at the start (`unitContext`). */
  readonly now: number;
  /** Called with each unit's result, in unit order; a throw stops the run with that error. */
  readonly onResult: (index: number, result: UnitResult) => void;
}

/**
 * Runs every unit and calls `onResult` in unit order. Up to `threads` workers when there is more
 * than one thread and unit and no unit reads stdin; otherwise on this thread, one after another.
 * A failure in a worker (an exception, a worker that dies) terminates every worker and rejects.
 *
 * @example
 * await runUnits(units, context, { threads: 2, progress, now, onResult: (i, r) => merge(r) });
 */
export async function runUnits(
  units: readonly Unit[],
  context: UnitContext,
  options: RunUnitsOptions,
): Promise<void> {
  const file = workerFile();
  const threads = Math.min(options.threads, units.length);
  if (threads <= 1 || file === null || units.some(readsStdin)) {
    for (let index = 0; index < units.length; index++) {
      const recorder = new MalformedRecorder();
      const outcome = await runUnit(context, units[index]!, options.progress, recorder);
      options.onResult(index, toResult(outcome, recorder));
    }
    return;
  }
  await runOnWorkers(file, units, context, { ...options, threads });
}

/** Something that runs units one at a time: a worker thread, or the main thread itself. */
interface Runner {
  run(request: UnitRequest): void;
  stop(): Promise<unknown>;
}

/**
 * `threads` runners: the main thread and `threads - 1` workers. The main thread would otherwise
 * only wait and merge (a few ms a range), and a worker costs its own heap: measured on 300k lines
 * in 9 ranges, 2 workers took 220 MB peak RSS where one pass takes 130 MB.
 */
function runOnWorkers(
  file: URL,
  units: readonly Unit[],
  context: UnitContext,
  options: RunUnitsOptions,
): Promise<void> {
  const init: WorkerInit = { options: context.options, now: options.now, progress: options.progress.active };
  // Results wait here for the units before them; a runner takes a unit only this far ahead of the
  // next one merged, so waiting results stay few.
  const ahead = 2 * options.threads;
  const waiting = new Map<number, UnitResult>();
  const runners: Runner[] = [];
  const idle: Runner[] = [];
  let next = 0;
  let merged = 0;
  let settled = false;

  return new Promise<void>((resolve, reject) => {
    const stopAll = (): Promise<unknown> => Promise.all(runners.map((r) => r.stop()));
    const stop = (error: unknown): void => {
      if (settled) return;
      settled = true;
      stopAll().then(
        () => reject(error),
        () => reject(error),
      );
    };
    const give = (runner: Runner): void => {
      if (settled) return;
      if (next < units.length && next < merged + ahead) {
        const request: UnitRequest = { index: next, unit: units[next]! };
        next++;
        runner.run(request);
      } else idle.push(runner);
    };
    const onMessage = (runner: Runner, message: WorkerMessage): void => {
      if (settled) return;
      if (message.type === 'progress') {
        relayProgress(options.progress, message);
        return;
      }
      if (message.type === 'error') {
        stop(errorOf(message.error));
        return;
      }
      waiting.set(message.index, message.result);
      try {
        for (let r = waiting.get(merged); r !== undefined; r = waiting.get(merged)) {
          waiting.delete(merged);
          options.onResult(merged, r);
          merged++;
        }
      } catch (error) {
        stop(error);
        return;
      }
      if (merged === units.length) {
        settled = true;
        stopAll().then(() => resolve(), reject);
        return;
      }
      give(runner);
      while (idle.length > 0 && next < units.length && next < merged + ahead) give(idle.pop()!);
    };
    const local: Runner = {
      run(request) {
        const recorder = new MalformedRecorder();
        runUnit(context, request.unit, options.progress, recorder).then(
          (outcome) =>
            onMessage(local, { type: 'result', index: request.index, result: toResult(outcome, recorder) }),
          stop,
        );
      },
      // A unit running here ends on its own; its result is then ignored.
      stop: () => Promise.resolve(),
    };
    for (let i = 1; i < options.threads; i++) {
      const worker = new Worker(file, { workerData: init });
      const runner: Runner = {
        run: (request) => worker.postMessage(request),
        stop: () => worker.terminate(),
      };
      runners.push(runner);
      worker.on('message', (message: WorkerMessage) => onMessage(runner, message));
      worker.on('error', (error) => stop(error));
      worker.on('exit', (code) => {
        if (!settled)
          stop(new Error(`an analyze worker stopped (exit code ${code}) before its work was done`));
      });
      give(runner);
    }
    runners.push(local);
    give(local);
  });
}

/** A worker's lines counted in the main thread's display (which draws every few thousand ticks). */
function relayProgress(
  progress: PoolProgress,
  delta: { records: number; malformed: number; bytes: number },
): void {
  if (!progress.active) return;
  for (let i = 0; i < delta.records; i++) progress.tick(0);
  for (let i = 0; i < delta.malformed; i++) progress.tick(0, true);
  progress.bytes += delta.bytes;
}

/** A worker's failure as the main thread's error: bad input as `cfrt` reports it, the rest with its stack. */
function errorOf(failure: WorkerFailure): Error {
  if (failure.input) return new InputError(failure.message);
  const error = new Error(failure.message) as NodeJS.ErrnoException;
  if (failure.code !== undefined) error.code = failure.code;
  if (failure.stack !== undefined) error.stack = failure.stack;
  return error;
}

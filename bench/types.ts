/**
 * The bench case contract. `bench/run.ts` builds the data once (generator, 40-field layout),
 * then runs every case on the same data in the same process: warm-up, then timed samples.
 * A case file in `bench/cases/` exports `cases: BenchCase[]`.
 */

/** The shared data every case runs on. */
export interface BenchData {
  /** The field list the lines were written with (the 40-field layout of the real records). */
  readonly fields: readonly string[];
  /** Lines as CloudFront writes them (no trailing newline). */
  readonly lines: readonly string[];
  /** The same lines as Kinesis event records' base64 `data` (with the trailing `\n`). */
  readonly kinesisData: readonly string[];
  /** Total bytes of the decoded lines (for bytes/s). */
  readonly bytes: number;
}

export interface BenchCase {
  readonly name: string;
  readonly description: string;
  /** Optional one-time setup (outside timing): returns the function that is timed. */
  prepare(data: BenchData): Promise<BenchRun> | BenchRun;
}

/** Processes all of `data` once; returns the number of records processed (for records/s). */
export type BenchRun = () => number | Promise<number>;

/**
 * A cold-start case: a module imported by fresh `node` processes, one import per process, timed
 * from `import()` to its promise settling (top-level await included: the Lambda bundle builds its
 * handler and loads its sinks before it resolves). A case file exports `coldStarts: ColdStartCase[]`.
 */
export interface ColdStartCase {
  readonly name: string;
  readonly description: string;
  /** Absolute path of the module to import. */
  readonly module: string;
  /** Environment beside the parent's (the handler's CFRT_* settings). */
  readonly env?: Readonly<Record<string, string>>;
  /** Node flags (`--enable-source-maps`). */
  readonly nodeArgs?: readonly string[];
  /** Size budget of the module file, bytes (shown beside its size). */
  readonly budgetBytes?: number;
  /** Target median import time, ms. */
  readonly targetMs?: number;
}

/**
 * A case run as fresh processes over one generated file (`cfrt analyze` and its peers): each sample
 * is one process, timed from outside (wall time, process start included) and by its own resource
 * usage at exit (CPU time of all its threads, peak RSS). A case file exports `fileCases: FileCase[]`.
 */
export interface FileCase {
  readonly name: string;
  readonly description: string;
  /** Node arguments (a script and its arguments) that process `file`, written with `fields`. */
  args(file: string, fields: readonly string[]): string[];
  /** Why the case cannot run here (a peer not installed, no build), or null. */
  unavailable(): string | null;
}

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

/**
 * The longest line the library reads. Real lines are a few KB (CloudFront cuts `cs-headers`,
 * `cs-header-names` and `cs-cookie` at 800 bytes each), and a Kinesis record, which carries one
 * line, holds at most 1 MiB: a longer "line" is debris (a file that is not a log, a gzip stream of
 * zeros), reported as malformed with its length and skipped without being held.
 */

/** Bytes of one line at most, before its `\n` (a `\r` before it counts): 1 MiB. */
export const MAX_LINE_BYTES = 1024 * 1024;

/**
 * The reason a longer line is malformed: its length, never its content.
 *
 * @example
 * tooLongReason(104_857_600); // 'line too long: 104857600 bytes'
 */
export function tooLongReason(bytes: number): string {
  return `line too long: ${bytes} bytes`;
}

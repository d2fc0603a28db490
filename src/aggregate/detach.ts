/**
 * Copies a string so it no longer references the text it was cut from. V8 represents `slice` and
 * `split` results as views of the parent string, so a top-N key kept for a whole window would pin
 * the record's line (or a whole 64 KiB read chunk in `cfrt analyze`). Concatenating and slicing
 * forces a flat copy (V8 issue 2869's workaround); it runs only when a key is first kept.
 *
 * @example
 * const kept = detach(line.split('\t')[9]!); // does not keep `line` alive
 */
export function detach(text: string): string {
  // V8 copies slices shorter than 13 characters (SlicedString::kMinLength) already.
  return text.length < 13 ? text : ` ${text}`.slice(1);
}

/**
 * A full garbage collection, for tests that measure what stays alive (the flag can be set at run
 * time; a new context then sees `gc`). Twice: the first pass may only finalize what the second frees.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
}

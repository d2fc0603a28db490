/** `cfrt replay`: placeholder until the handler lands. */
import { UsageError } from './errors.js';

export interface ReplayOptions {
  args: readonly string[];
}

export function parseReplayArgs(args: readonly string[]): ReplayOptions {
  return { args };
}

export async function runReplay(_options: ReplayOptions): Promise<number> {
  throw new UsageError('cfrt replay is not available yet.');
}

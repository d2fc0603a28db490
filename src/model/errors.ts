/**
 * The library's errors share two shapes. `RealtimeLogError` is the base of every error it throws,
 * so a caller can tell the library's complaints from its own bugs. `ConfigError` is every
 * configuration mistake (field lists, aggregator, enricher and sink options, handler settings,
 * command lines): found once, at construction, all at once, as structured issues.
 *
 * Per-line parse failures are values, not exceptions (see `ParseFailure`).
 */

/** The one error base class of the library. */
export class RealtimeLogError extends Error {
  override name = 'RealtimeLogError';
}

/** One configuration problem: where it is and what to change. */
export interface ConfigIssue {
  /**
   * The option's path in code: `['windowSeconds']`, `['cardinalityLimit', 'host']`,
   * `['aggregator', 'topK']`. Empty: the configuration as a whole (a field list, a command line).
   */
  readonly path: readonly (string | number)[];
  /** What is wrong and what to change, in the user's words (`must be from 1 to 100; got 0`). */
  readonly message: string;
  /**
   * The option as the user wrote it, when that is not its path: `CFRT_WINDOW_SECONDS` in the
   * environment, `--window` on a command line.
   */
  readonly name?: string;
}

/**
 * One issue as one line: `name: message` (the path joined by dots when there is no name), or the
 * message alone for the configuration as a whole.
 *
 * @example
 * problemOf({ path: ['windowSeconds'], name: 'CFRT_WINDOW_SECONDS', message: 'must be at least 1' });
 * // 'CFRT_WINDOW_SECONDS: must be at least 1'
 */
export function problemOf(issue: ConfigIssue): string {
  const who = issue.name ?? issue.path.map(String).join('.');
  return who === '' ? issue.message : `${who}: ${issue.message}`;
}

/**
 * A configuration that cannot work. `issues` lists every problem found (structured), `problems`
 * the same as lines, `message` all of them under the error's heading.
 */
export class ConfigError extends RealtimeLogError {
  override name = 'ConfigError';
  readonly issues: readonly ConfigIssue[];
  /** Each issue as one line (`problemOf`). */
  readonly problems: readonly string[];

  /** `heading` introduces the problems; none (`''`) leaves a single problem alone as the message. */
  constructor(heading: string, issues: readonly ConfigIssue[], options?: { cause?: unknown }) {
    const problems = issues.map(problemOf);
    super(
      problems.length === 1
        ? heading === ''
          ? problems[0]
          : `${heading}: ${problems[0]}`
        : `${heading || 'Invalid configuration'}:\n- ${problems.join('\n- ')}`,
      options,
    );
    this.issues = issues;
    this.problems = problems;
  }
}

/** Issues from problems written as whole sentences (no option path). */
export function sentenceIssues(problems: readonly string[]): ConfigIssue[] {
  return problems.map((message) => ({ path: [], message }));
}

/** The same issues under a parent path (`['aggregator']`), named as `name` says when given. */
export function nestIssues(
  issues: readonly ConfigIssue[],
  parent: readonly (string | number)[],
  nameOf?: (path: readonly (string | number)[]) => string | undefined,
): ConfigIssue[] {
  return issues.map((issue) => {
    const path = [...parent, ...issue.path];
    const name = nameOf?.(path);
    return name === undefined ? { path, message: issue.message } : { path, message: issue.message, name };
  });
}

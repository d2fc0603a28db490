/**
 * The one place the library generates code. The parser's record builders and the enricher's record
 * copiers compile a function per layout (an object literal with one hidden class is far cheaper
 * than assigning computed keys one by one); both have an interpreted form that gives the same
 * results, used where code generation is disallowed.
 */

/**
 * `new Function(...params, body)`, or `null` where the runtime disallows code generation from
 * strings (`--disallow-code-generation-from-strings`, a Content Security Policy): the caller then
 * uses its interpreted form. Any other error (a syntax error in generated source) is a bug and is
 * thrown. Callers put into `body` only source they built themselves, with every name from data
 * quoted by `JSON.stringify`.
 *
 * @example
 * const make = compileFunction<(a: number) => number>(['a'], 'return a + 1;');
 * const inc = make ?? ((a: number) => a + 1);
 */
export function compileFunction<F extends (...args: never[]) => unknown>(
  params: readonly string[],
  body: string,
): F | null {
  try {
    return new Function(...params, body) as F;
  } catch (err) {
    if (err instanceof EvalError) return null;
    throw err;
  }
}

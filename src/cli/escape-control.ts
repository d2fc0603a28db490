/**
 * Data on a terminal: log lines are attacker-controlled (a path, a user agent, a referer, a host),
 * and CloudFront's percent-encoding is undone by the parser, so `%1B[2J` in a URI reaches the
 * report as a raw ESC that would clear the screen, retitle the window or hide a line. Every text
 * output writes data through `escapeControl`; JSON output needs none (JSON.stringify escapes C0).
 */

// Built from code points, not a literal, so the source holds no control characters:
// C0 (tab and line breaks included: in a cell they are data), DEL and C1 (0x80-0x9f: CSI is 0x9b
// on terminals that read 8-bit controls), the line and paragraph separators, and the bidi marks,
// embeddings, overrides and isolates that reorder what is shown (Trojan Source, CVE-2021-42574).
const RANGES: readonly (readonly [number, number])[] = [
  [0x00, 0x1f],
  [0x7f, 0x9f],
  [0x061c, 0x061c],
  [0x200e, 0x200f],
  [0x2028, 0x2029],
  [0x202a, 0x202e],
  [0x2066, 0x2069],
];
const CLASS = RANGES.map(([from, to]) => {
  const u = (n: number) => `\\u${n.toString(16).padStart(4, '0')}`;
  return from === to ? u(from) : `${u(from)}-${u(to)}`;
}).join('');
const ANY_CONTROL = new RegExp(`[${CLASS}]`);
const EVERY_CONTROL = new RegExp(`[${CLASS}]`, 'g');

function escapeOne(char: string): string {
  const code = char.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
}

/**
 * The text with every character a terminal would act on instead of show written as a visible
 * escape (`\x1b`, `\x0a`, `\u202e`): C0 controls including tab and newline, DEL, C1 controls,
 * and the bidi controls. Text without any is returned as it is. `keepNewlines` leaves `\n` for
 * messages of several lines (a configuration error's list of problems).
 *
 * @example
 * escapeControl('/\x1b[2J/index.html'); // '/\\x1b[2J/index.html'
 * escapeControl('evil\u202Etxt.exe'); // 'evil\\u202etxt.exe'
 * escapeControl('a\nb', { keepNewlines: true }); // 'a\nb'
 */
export function escapeControl(text: string, options: { keepNewlines?: boolean } = {}): string {
  if (!ANY_CONTROL.test(text)) return text;
  return options.keepNewlines === true
    ? text.replace(EVERY_CONTROL, (c) => (c === '\n' ? c : escapeOne(c)))
    : text.replace(EVERY_CONTROL, escapeOne);
}

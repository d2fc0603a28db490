/**
 * How a function's settings are read from `CFRT_*` environment variables, once for every Lambda
 * of the SAM app (the processor, the detector, the WAF responder): each setting names its variable
 * and how its text is read; a variable under the function's prefix that is no setting is a problem
 * (a misspelling would silently leave its setting at the default), with the closest name offered.
 * The rooms' declarations then check the values, and problems are named by variable.
 */
import type { ConfigIssue } from './errors.js';
import { closestName } from './suggest.js';

/** How an environment variable's text becomes a setting's input. */
export type EnvReader = 'text' | 'word' | 'number' | 'boolean' | 'list';

/** A setting's environment variable and how its text is read. */
export interface EnvSetting {
  readonly name: string;
  readonly read: EnvReader;
}

/**
 * The input a variable's text gives a setting, by how it is read; undefined when unset or blank.
 * Text that is not what the reader expects stays text, so the declaration's message shows it.
 *
 * @example
 * readEnv(' 60 ', 'number'); // 60
 * readEnv('yes', 'boolean'); // true
 * readEnv('emf, CloudWatch', 'list'); // ['emf', 'cloudwatch']
 */
export function readEnv(text: string | undefined, read: EnvReader): unknown {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  switch (read) {
    case 'text':
      return t;
    case 'word':
      return t.toLowerCase();
    case 'number': {
      const n = Number(t);
      return Number.isNaN(n) ? t : n;
    }
    case 'boolean': {
      const v = t.toLowerCase();
      if (v === 'true' || v === '1' || v === 'yes') return true;
      if (v === 'false' || v === '0' || v === 'no') return false;
      return t;
    }
    case 'list':
      return t.toLowerCase() === 'none'
        ? []
        : t
            .split(/[\s,]+/)
            .filter((s) => s !== '')
            .map((s) => s.toLowerCase());
  }
}

/** What `envInput` read: the settings' inputs, the unknown variables, and a variable per path. */
export interface EnvInput {
  readonly input: Record<string, unknown>;
  /** One issue per variable under the prefix that is no setting (sorted by name). */
  readonly unknown: ConfigIssue[];
  /** The variable of an issue's path (its first element is the setting). */
  readonly nameOf: (path: readonly (string | number)[]) => string | undefined;
}

/**
 * Reads every setting's variable from `env`, and reports the variables under `prefix` that name
 * no setting (except those in `shared`: variables another function of the app reads that one
 * environment block may set for both).
 *
 * @example
 * const { input, unknown, nameOf } = envInput(process.env, { table: { name: 'CFRT_TABLE_NAME', read: 'text' } }, { prefix: 'CFRT_' });
 */
export function envInput(
  env: Readonly<Record<string, string | undefined>>,
  settings: Readonly<Record<string, EnvSetting>>,
  options: { readonly prefix: string; readonly shared?: ReadonlySet<string>; readonly listAll?: boolean },
): EnvInput {
  const known = Object.values(settings).map((s) => s.name);
  const unknown: ConfigIssue[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(options.prefix) || known.includes(name) || options.shared?.has(name)) continue;
    const near = closestName(name, known);
    unknown.push({
      path: [],
      name,
      message: `is not a setting${
        near !== null
          ? `; did you mean ${near}?`
          : options.listAll === false
            ? ''
            : `; the settings are ${known.join(', ')}`
      }`,
    });
  }
  const input: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(settings)) {
    const value = readEnv(env[spec.name], spec.read);
    if (value !== undefined) input[key] = value;
  }
  return { input, unknown, nameOf: (path) => settings[String(path[0])]?.name };
}

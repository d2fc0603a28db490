/**
 * Field lists as users have them at hand: typed names (`timestamp,c-ip sc-status`), a JSON array
 * of names, or the JSON that `aws cloudfront get-realtime-log-config --name <config>` prints
 * (`{"RealtimeLogConfig": {"Fields": [...]}}`), saved to a file or pasted into `--fields`.
 */
import { readFileSync } from 'node:fs';
import { splitFieldList } from '../parser/layout.js';
import { UsageError } from './errors.js';

/** What the JSON forms may look like (the CLI's outputs for one config, or just its fields). */
const JSON_SHAPES =
  'a JSON array of field names, or the JSON of `aws cloudfront get-realtime-log-config` ({"RealtimeLogConfig": {"Fields": [...]}})';

function isNameList(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string');
}

/** The `Fields` of one real-time log config in any of the AWS CLI's outputs, or undefined. */
function fieldsOfJson(value: unknown, source: string): string[] | undefined {
  if (isNameList(value)) return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const object = value as Record<string, unknown>;
  // get-realtime-log-config / create-realtime-log-config: {"RealtimeLogConfig": {...}}
  if ('RealtimeLogConfig' in object) return fieldsOfJson(object.RealtimeLogConfig, source);
  // list-realtime-log-configs: {"RealtimeLogConfigs": {"Items": [...]}}, usable when it holds one.
  const list = object.RealtimeLogConfigs as { Items?: unknown } | undefined;
  if (list !== undefined && Array.isArray(list.Items)) {
    const items = list.Items as { Name?: unknown }[];
    if (items.length === 1) return fieldsOfJson(items[0], source);
    const names = items.map((i) => String(i.Name)).join(', ');
    throw new UsageError(
      `${source} lists ${items.length} real-time log configs (${names}); give one: aws cloudfront get-realtime-log-config --name <config>.`,
    );
  }
  // One config object (`--query RealtimeLogConfig`): {"Name": ..., "Fields": [...]}
  if ('Fields' in object && isNameList(object.Fields)) return object.Fields;
  return undefined;
}

/**
 * Reads a field list from text: names separated by commas or spaces, or JSON (an array of names,
 * or a real-time log config as the AWS CLI prints it). `source` names the text in messages.
 *
 * @example
 * fieldListOf('timestamp, c-ip sc-status', '--fields'); // ['timestamp', 'c-ip', 'sc-status']
 * fieldListOf('{"RealtimeLogConfig": {"Fields": ["timestamp", "c-ip"]}}', 'config.json'); // ['timestamp', 'c-ip']
 */
export function fieldListOf(text: string, source: string): string[] {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[') && !trimmed.startsWith('{')) return splitFieldList(text);
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch (err) {
    throw new UsageError(`${source} starts like JSON but is not valid JSON (${(err as Error).message}).`, {
      cause: err,
    });
  }
  const fields = fieldsOfJson(json, source);
  if (fields === undefined)
    throw new UsageError(`${source} holds JSON without a field list: expected ${JSON_SHAPES}.`);
  return fields.map((f) => f.trim()).filter((f) => f !== '');
}

/**
 * The field list from `--fields <list>` or `--fields-file <path>` (`--fields` wins), or undefined
 * when neither is given.
 *
 * @example
 * fieldListFromArgs({ 'fields-file': 'realtime-log-config.json' }); // the config's Fields
 */
export function fieldListFromArgs(values: {
  readonly fields?: string | undefined;
  readonly 'fields-file'?: string | undefined;
}): string[] | undefined {
  if (values.fields !== undefined) return fieldListOf(values.fields, '--fields');
  const file = values['fields-file'];
  if (file === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`--fields-file ${file}: ${(err as Error).message}`, { cause: err });
  }
  return fieldListOf(text, `--fields-file ${file}`);
}

export { problemOf } from '../model/errors.js';
export { DECODERS, decodeText, MALFORMED } from './decode.js';
export {
  ConfigError,
  type ConfigIssue,
  FieldListError,
  MalformedLineError,
  RealtimeLogError,
} from './errors.js';
export {
  canonicalPosition,
  FIELD_CATALOGUE,
  FIELD_NAMES,
  type FieldKind,
  type FieldName,
  type FieldSpec,
  type FieldValue,
  fieldSpec,
  isFieldName,
  type KindOf,
  type KindValues,
  RECOMMENDED_FIELDS,
  STANDARD_LOG_ONLY_FIELDS,
} from './fields.js';
export { encodeText, formatLine } from './format.js';
export {
  type Column,
  closestFields,
  type FieldOrder,
  type Layout,
  layoutConflict,
  resolveLayout,
  resolveLayouts,
  splitFieldList,
} from './layout.js';
export { MAX_LINE_BYTES, tooLongReason } from './line-limit.js';
export {
  createParser,
  type LayoutsRecord,
  type LogRecord,
  type ParsedLine,
  type ParseFailure,
  type ParseResult,
  type Parser,
  type ParserOptions,
  stripLineEnd,
} from './parser.js';

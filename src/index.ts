/**
 * cloudfront-realtime-logs: parse, enrich and aggregate CloudFront real-time logs.
 * The root export is the pure core (no AWS SDK); sinks and the handler live behind subpaths.
 */
export {
  createParser,
  encodeText,
  FIELD_CATALOGUE,
  FIELD_NAMES,
  type FieldKind,
  FieldListError,
  type FieldName,
  type FieldOrder,
  type FieldSpec,
  type FieldValue,
  formatLine,
  type Layout,
  type LayoutsRecord,
  type LogRecord,
  MalformedLineError,
  type ParsedLine,
  type ParseFailure,
  type ParseResult,
  type Parser,
  type ParserOptions,
  RECOMMENDED_FIELDS,
  RealtimeLogError,
  resolveLayout,
  splitFieldList,
} from './parser/index.js';

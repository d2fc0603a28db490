/**
 * Findings from aggregates: clients, ASNs and paths over thresholds, distributed floods, error
 * bursts, new bots and spoofed crawlers. Pure: summaries in, findings out (docs/findings.md).
 */
export {
  type BaselineWindow,
  baselineOf,
  cidrOf,
  type DetectInput,
  detectFindings,
  findingId,
  MAX_BASELINE_BOTS,
  MAX_BASELINE_SERIES,
  MAX_EVIDENCE,
  MAX_KEY_CHARS,
  type SeriesFacts,
  STREAM_SERIES,
  type WindowSummaries,
} from './detect.js';
export {
  type DetectOptions,
  DetectOptionsError,
  type ResolvedDetectOptions,
  resolveDetectOptions,
} from './options.js';
export type {
  Finding,
  FindingEvidence,
  FindingKind,
  FindingMeasure,
  FindingSeverity,
  FindingSubject,
} from './types.js';
export { FINDING_KINDS, MAX_FINDING_BYTES } from './types.js';

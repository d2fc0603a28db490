/**
 * Findings from aggregates: clients, ASNs and paths over thresholds, distributed floods, error
 * bursts, new bots and spoofed crawlers. Pure: summaries in, findings out.
 */
export type {
  Finding,
  FindingEvidence,
  FindingKind,
  FindingMeasure,
  FindingSeverity,
  FindingSubject,
} from './types.js';
export { FINDING_KINDS, MAX_FINDING_BYTES } from './types.js';

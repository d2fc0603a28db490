export type { LatencySummary, TopEntry, WindowSummary } from './types.js';

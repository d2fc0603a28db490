/** How long stored window items live (DynamoDB TTL, counted from the window's end). */

/** Days a window item is kept by default; 0 keeps items forever. */
export const DEFAULT_TTL_DAYS = 14;
/** Ten years: a longer TTL is "forever" (0) written another way. */
export const MAX_TTL_DAYS = 3_650;

/** Versioned, compact JSON text for cells (stored state: DynamoDB items, files). */
import type { WindowCell } from './cell.js';

/** The `v` field of serialized cells written by this version. */
export const CELL_FORMAT_VERSION = 1;

/**
 * Serializes a cell to compact JSON text with a `v` version field.
 *
 * @example
 * const text = serializeCell(cell); // '{"v":1,"k":"1740830400000/...",...}'
 */
export function serializeCell(cell: WindowCell): string {
  return JSON.stringify({ v: CELL_FORMAT_VERSION, k: cell.key });
}

/**
 * Reads a cell written by `serializeCell`; throws `CellFormatError` for text it cannot read.
 *
 * @example
 * const cell = deserializeCell(item.state.S);
 */
export function deserializeCell(text: string): WindowCell {
  void text;
  throw new Error('not implemented');
}

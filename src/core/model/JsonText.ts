import type { Json } from './types.js';

/**
 * A JSON value held as its text (UTF-8 bytes), not as a tree of JS objects: how a big aggregate file
 * (summary.json) travels from the sweep reader to the catalog. A tree of a 50 MB file takes several
 * times that in the heap, and every catalog stores text anyway, so the text is built once, straight from
 * the file's bytes (src/core/sweep/jsonBytes.ts), and handed to the database as it is.
 *
 * The text is exactly what `JSON.stringify` of the value's lossless parse prints (no whitespace, exact
 * decimals as strings, keys in JS object order): a catalog that stores it stores the same bytes as one
 * that stringifies the tree.
 */
export class JsonText {
  constructor(readonly utf8: Buffer) {}

  /** The value as a tree: for a catalog whose client takes nothing but objects (supabase-js). */
  parse(): Json {
    return JSON.parse(this.utf8.toString('utf8')) as Json;
  }
}

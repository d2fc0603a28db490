/** `flatCopy` lives in the model, where the enricher's caches use it too. */
export { flatCopy } from '../model/flat-copy.js';

/**
 * Where the project's shared reference material lives: `../shared` beside the repository (as it is laid
 * out for developers and for CI, which clones the repository into another folder with a copy of shared/
 * beside it). Only `npm run test:fidelity` reads it; `npm test` passes on a clone without it, so nothing
 * here throws when it is missing.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

/** The shared/ folder beside the repository (it may be absent). */
export const SHARED = join(REPO, '..', 'shared');
/** Official REST examples. */
export const EXAMPLES = join(SHARED, 'azure-rest-examples');
/** Responses recorded from live Azure. */
export const RECORDINGS = join(SHARED, 'recorded-azure-responses');
/** True when shared/ is present beside the repository. */
export const HAS_SHARED = existsSync(SHARED);

/** The shared/ folder, or a one-line error naming where it was looked for. */
export function requireShared(): string {
  if (HAS_SHARED) return SHARED;
  throw new Error(`shared/ not found beside the repository (looked for ${SHARED})`);
}

/**
 * Where the project's shared reference material lives: `../shared` beside the repository (as it is laid
 * out for developers and for CI, which clones the repository into another folder with a copy of shared/
 * beside it).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

const REPO = resolve(__dirname, '..', '..');

function sharedDir(): string {
  const beside = join(REPO, '..', 'shared');
  if (existsSync(beside)) return beside;
  throw new Error(`shared/ not found beside the repository (looked for ${beside})`);
}

/** The shared/ folder. */
export const SHARED = sharedDir();
/** Official REST examples. */
export const EXAMPLES = join(SHARED, 'azure-rest-examples');
/** Responses recorded from live Azure. */
export const RECORDINGS = join(SHARED, 'recorded-azure-responses');

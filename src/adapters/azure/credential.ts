/**
 * The credential the SDK clients authenticate with: a fixed bearer token (the emulator issues one) or,
 * in Azure, `DefaultAzureCredential` (managed identity in the Function App, the developer's login locally).
 */
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';

/** Options of {@link createCredential}. */
export interface CredentialOptions {
  /** A bearer token to send as-is (the emulator's `token`, or one from `issueToken`). */
  staticToken?: string;
  /** Client id of a user-assigned managed identity; omit for the system-assigned identity. */
  managedIdentityClientId?: string;
}

/** A credential that always returns the same bearer token; it never expires from the pipeline's view. */
export class StaticTokenCredential implements TokenCredential {
  constructor(
    private readonly token: string,
    private readonly now: () => number = Date.now,
  ) {
    if (!token) throw new Error('StaticTokenCredential needs a non-empty token');
  }

  /** Returns the token, valid for another day (the pipeline then never tries to refresh it mid-run). */
  async getToken(): Promise<AccessToken> {
    return { token: this.token, expiresOnTimestamp: this.now() + 24 * 3_600_000, tokenType: 'Bearer' };
  }
}

/** A {@link StaticTokenCredential} when a token is given, else `DefaultAzureCredential`. */
export function createCredential(opts: CredentialOptions = {}): TokenCredential {
  if (opts.staticToken) return new StaticTokenCredential(opts.staticToken);
  return opts.managedIdentityClientId
    ? new DefaultAzureCredential({ managedIdentityClientId: opts.managedIdentityClientId })
    : new DefaultAzureCredential();
}

/**
 * Bearer tokens the emulator issues. A token stands for one principal; it either has full access or
 * is limited to ARM scope prefixes (`/subscriptions/s1`, `/subscriptions/s1/resourceGroups/rg-a`).
 */
import { randomBytes } from 'node:crypto';
import { isWithinScope, Prng } from './util';

/** Who a token belongs to and what it may touch. */
export interface Principal {
  token: string;
  objectId: string;
  clientId: string;
  /** Undefined for full access. */
  scopes?: string[];
}

/** Issues and resolves tokens. */
export class TokenRegistry {
  private readonly byToken = new Map<string, Principal>();
  private readonly rng: Prng;

  constructor(seed: number) {
    this.rng = new Prng(seed ^ 0xa17);
  }

  /** A new opaque token; with `scopes`, limited to those ARM id prefixes. */
  issue(scopes?: string[]): string {
    const token = `emu.${randomBytes(24).toString('base64url')}`;
    const principal: Principal = {
      token,
      objectId: this.rng.uuid(),
      clientId: this.rng.uuid(),
      ...(scopes ? { scopes: scopes.map((s) => s.trim()).filter((s) => s.length > 0) } : {}),
    };
    this.byToken.set(token, principal);
    return token;
  }

  /** The principal behind a token, if the emulator issued it. */
  lookup(token: string): Principal | undefined {
    return this.byToken.get(token);
  }
}

/** True when the principal may act on this ARM id. */
export function allows(principal: Principal, id: string): boolean {
  if (!principal.scopes) return true;
  return principal.scopes.some((scope) => isWithinScope(id, scope));
}

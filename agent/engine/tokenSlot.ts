// One configured token's state inside the engine, and how it is reported. The token value itself
// stays here: TokenState (what crosses the protocol) carries only what is safe to show.

import type { TokenAgentError } from '../base/errors';
import type { JwtInfo } from '../base/jwtInfo';
import type { TokenDefinition } from '../config/types';
import type { TokenPhase, TokenState } from '../protocol';
import { RefreshBudget } from './backoff';
import { type PendingSave, pendingState } from './pendingState';
import { jitterShare, maxJitterMs } from './schedule';
import type { TimerHandle } from './timer';

export interface HeldToken {
  accessToken: string;
  /** Local-clock Unix ms (skew already applied). */
  expiresAt?: number;
  /** The provider did not say when it expires: `expiresAt` is an assumed lifetime (expiry.ts). */
  expiryAssumed?: boolean;
  /** A command's token that nothing dates (expiry.ts): no `expiresAt`, never vouched for. */
  expiryUnknown?: boolean;
  issuedAt?: number;
  jwt?: JwtInfo;
}

/** What the engine keeps of the current access token in the secret store, as JSON. */
export interface StoredAccessToken {
  accessToken: string;
  expiresAt?: number;
  expiryAssumed?: boolean;
  expiryUnknown?: boolean;
  issuedAt?: number;
  obtainedAt: number;
}

/** How one refresh attempt ended; callers that joined it get the same answer. */
export type RefreshOutcome = { ok: true } | { ok: false; error: TokenAgentError };

export class TokenSlot {
  current: HeldToken | undefined;
  refreshing = false;
  lastRefreshAt: number | undefined;
  nextRefreshAt: number | undefined;
  lastError: TokenAgentError | undefined;
  needsSignIn = false;
  /** When a refresh that may have cost the refresh token went out (rotationMark.ts); cleared by a success. */
  mayHaveRotatedAt: number | undefined;
  /**
   * The refresh token the provider refused (invalid_grant), as a digest, and when: it is not sent
   * again, so a revoked grant costs no refresh budget (refreshGuards.ts). A new one clears it.
   */
  rejected: { digest: string; at: number } | undefined;
  failures = 0;
  skewMs = 0;
  /** The next background refresh (timer.ts), cancelled whenever the slot is rescheduled. */
  timer: TimerHandle | undefined;
  /** No background refresh before this (a backoff restored from budget.json after a restart). */
  backoffUntil: number | undefined;
  /** Stored access tokens obtained until then belong to a grant this name had before (definitions.ts). */
  ignoreStoredBefore: number | undefined;
  inFlight: Promise<RefreshOutcome> | undefined;
  loaded: Promise<void> | undefined;
  /** Secrets obtained but not yet written to the store; the engine retries them (pendingSave.ts). */
  pending: PendingSave | undefined;
  readonly budget: RefreshBudget;
  /** The tail of this token's store writes: each one waits for the one before (serialWrite). */
  #writes: Promise<unknown> = Promise.resolve();

  constructor(readonly definition: TokenDefinition) {
    const limit = 'refreshBudgetPerHour' in definition ? definition.refreshBudgetPerHour : 60;
    this.budget = new RefreshBudget({ limit });
  }

  get name(): string {
    return this.definition.name;
  }

  /**
   * Runs one store write after the ones before it. A background retry of an older refresh token must
   * never land after the write of a newer one, or the store would end up holding a revoked token.
   */
  serialWrite<T>(write: () => Promise<T>): Promise<T> {
    const run = this.#writes.then(write, write);
    this.#writes = run.catch(() => undefined);
    return run;
  }

  /**
   * Makes this slot's store writes wait for those of the slot it replaces, so that a kept secret the
   * old slot is still writing can never land after a newer one written through this slot.
   */
  inheritWrites(old: TokenSlot): void {
    this.#writes = Promise.all([this.#writes, old.#writes]).catch(() => undefined);
  }

  /** Forgets past failures once a token is in hand again. */
  markSucceeded(): void {
    this.failures = 0;
    this.backoffUntil = undefined;
    this.lastError = undefined;
    this.needsSignIn = false;
    this.mayHaveRotatedAt = undefined;
    this.rejected = undefined;
  }

  /** The time from which a refresh is due (no jitter): the lead before expiry, or a third of a short life. */
  refreshPoint(): number | undefined {
    const held = this.current;
    if (held?.expiresAt === undefined) return undefined;
    const leadMs = this.definition.refreshBeforeSeconds * 1000;
    const lifetimeMs = held.issuedAt !== undefined ? held.expiresAt - held.issuedAt : undefined;
    return lifetimeMs !== undefined && lifetimeMs <= leadMs
      ? held.expiresAt - lifetimeMs / 3
      : held.expiresAt - leadMs;
  }

  /** How long the held token lived from issue to expiry, when both are known. */
  lifetimeMs(): number | undefined {
    const held = this.current;
    return held?.expiresAt !== undefined && held.issuedAt !== undefined
      ? held.expiresAt - held.issuedAt
      : undefined;
  }

  /**
   * The validity a caller may insist on before a refresh is worth it: what was asked, unless tokens of
   * this kind do not live that long (the held one's lifetime is no longer); then only what the
   * schedule keeps anyway, the lead before expiry. So an impossible `minValidSeconds` refreshes once
   * the token passes its refresh point, as the scheduler would, and never on every request.
   */
  effectiveMinValidMs(askedMs: number): number {
    const lifetime = this.lifetimeMs();
    const held = this.current;
    // An assumed lifetime says nothing of what tokens of this kind can do: a fresh one may well last.
    if (held?.expiryAssumed) return askedMs;
    if (lifetime === undefined || lifetime > askedMs || held?.expiresAt === undefined) return askedMs;
    const point = this.refreshPoint();
    return Math.min(askedMs, point === undefined ? 0 : held.expiresAt - point);
  }

  /**
   * The earliest time the scheduler may pick for the held token: the refresh point less the most
   * jitter schedule.ts subtracts. A scheduled refresh is due from here on; judging it by the refresh
   * point alone made a timer that fired inside the jitter find nothing due, re-arm for "now" and spin
   * until the refresh point.
   */
  earliestRefreshAt(): number | undefined {
    const point = this.refreshPoint();
    const held = this.current;
    if (point === undefined || held?.expiresAt === undefined) return point;
    // Floored as schedule.ts floors its target, so that the timer never fires a fraction too early.
    return Math.floor(point - Math.min(maxJitterMs, jitterShare * (held.expiresAt - point)));
  }

  phase(now: number): TokenPhase {
    if (this.refreshing) return 'refreshing';
    const expiresAt = this.current?.expiresAt;
    if (this.needsSignIn && (expiresAt === undefined || expiresAt <= now)) return 'needs-sign-in';
    if (!this.current) return this.lastError ? 'error' : 'expired';
    if (expiresAt !== undefined && expiresAt <= now) return 'expired';
    const point = this.refreshPoint();
    if (this.needsSignIn || this.lastError || (point !== undefined && now >= point)) return 'expiring';
    return 'fresh';
  }

  toState(now: number): TokenState {
    const held = this.current;
    const jwt = held?.jwt;
    const state: TokenState = {
      name: this.name,
      type: this.definition.type,
      phase: this.phase(now),
      refreshBeforeSeconds: this.definition.refreshBeforeSeconds,
    };
    if (held?.expiresAt !== undefined) state.expiresAt = held.expiresAt;
    if (held?.expiryAssumed) state.expiryAssumed = true;
    if (held?.expiryUnknown) state.expiryUnknown = true;
    if (held?.issuedAt !== undefined) state.issuedAt = held.issuedAt;
    if (this.lastRefreshAt !== undefined) state.lastRefreshAt = this.lastRefreshAt;
    if (this.nextRefreshAt !== undefined) state.nextRefreshAt = this.nextRefreshAt;
    if (jwt?.iss) state.issuer = jwt.iss;
    if (jwt?.aud) state.audience = jwt.aud;
    if (jwt?.sub) state.subject = jwt.sub;
    if (jwt?.scopes) state.scope = jwt.scopes.join(' ');
    if (jwt?.jti) state.jtiPrefix = jwt.jti.slice(0, 8);
    if (this.skewMs !== 0) state.skewMs = this.skewMs;
    if (this.lastError) state.lastError = { code: this.lastError.code, message: this.lastError.message };
    if (this.pending) state.pendingSave = pendingState(this.pending);
    if (this.mayHaveRotatedAt !== undefined) state.mayHaveRotated = { at: this.mayHaveRotatedAt };
    return state;
  }
}

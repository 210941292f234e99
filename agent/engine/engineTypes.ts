// The engine's public shapes: its options and what a get hands over.

import type { AuthorizationServer } from 'oauth4webapi';
import { codes, TokenAgentError } from '../base/errors';
import type { JwtInfoCache } from '../base/jwtInfo';
import type { SecretFinder } from '../base/redact';
import type { TokenDefinition } from '../config/types';
import type { SecretStore } from '../store/secretStore';
import type { RefreshCoordinator } from './coordinator';
import type { Timers } from './timer';
import type { HeldToken } from './tokenSlot';

export interface EngineOptions {
  definitions: readonly TokenDefinition[];
  /** Undefined when the secret store could not be opened; `storeError` then says why. */
  store: SecretStore | undefined;
  storeError?: TokenAgentError;
  dataDir: string;
  /** Run background refresh timers (the long-lived agent); one-shot CLI calls leave this off. */
  schedule: boolean;
  now?: () => number;
  random?: () => number;
  /** The timers behind every engine wait; tests pass a fake clock's. Node's own by default. */
  timers?: Timers;
  fetch?: typeof fetch;
  grantTimeoutMs?: number;
  lock?: { staleAfterMs?: number; timeoutMs?: number; heartbeatMs?: number };
  log?: (level: LogLevel, message: string) => void;
  /** Team mode: shares tokens and refreshes across machines. The engine closes it on stop(). */
  coordinator?: RefreshCoordinator;
  /**
   * Check each held OAuth token's signature against its issuer's published keys, in the background,
   * and report the answer in the status. Off by default: it costs a metadata and a key-set fetch.
   */
  verifyTokens?: boolean;
  /**
   * The leak lint's rules as a finder (lint/findSecrets.ts), injected by the composition root: the
   * engine masks what it finds in every log line, status message and error it hands out.
   */
  findSecrets?: SecretFinder;
}

export interface IssuedToken {
  accessToken: string;
  expiresAt?: number;
  /** `expiresAt` is assumed: the provider did not say (expiry.ts). */
  expiryAssumed?: boolean;
  /** Nothing dates this command token (expiry.ts): it was just printed, and no `expiresAt` exists. */
  expiryUnknown?: boolean;
  /**
   * Set when the token cannot stay valid as long as asked and asking again would not help: tokens of
   * this kind do not live that long, or the refresh that would have helped failed while this one is
   * still valid. It is the freshest token there is, valid until `expiresAt`.
   */
  shortOfMinValid?: boolean;
  /**
   * Unix ms from when the agent refreshes this token (its lead before expiry, or a third of a short
   * life): the expiry the credential helpers report to git and kubectl, so they ask again in time.
   */
  refreshAt?: number;
}

/** A "refresh now" this soon after a refresh gets the token just obtained, not another refresh. */
export const forcedRefreshCoalesceMs = 10_000;

export function issued(held: HeldToken, shortOfMinValid = false): IssuedToken {
  return {
    accessToken: held.accessToken,
    ...(held.expiresAt !== undefined ? { expiresAt: held.expiresAt } : {}),
    ...(held.expiryAssumed ? { expiryAssumed: true } : {}),
    ...(held.expiryUnknown ? { expiryUnknown: true } : {}),
    ...(shortOfMinValid ? { shortOfMinValid } : {}),
  };
}

/** ERR_TOKEN_UNKNOWN, naming the tokens that are configured. */
export function unknownToken(name: string, known: readonly string[]): TokenAgentError {
  return new TokenAgentError(
    codes.tokenUnknown,
    `No token named '${name}' is configured${known.length ? ` (known: ${known.join(', ')})` : ''}.`,
  );
}

export type { LogLevel } from '../base/log';

import type { LogLevel } from '../base/log';

/** What a refresh needs from the engine; built once by the engine. */
export interface RefreshContext {
  /** The secret store, or a throw saying why there is none. */
  store(): SecretStore;
  coordinator: RefreshCoordinator | undefined;
  dataDir: string;
  lock: { staleAfterMs?: number; timeoutMs?: number; heartbeatMs?: number } | undefined;
  discovered: Map<string, AuthorizationServer>;
  /** Decoded claims of the tokens seen, so re-reads do not decode again. */
  jwtInfo: JwtInfoCache;
  grantTimeoutMs: number;
  fetch: typeof fetch | undefined;
  now: () => number;
  log: (level: LogLevel, message: string) => void;
  /** Masks the secrets held right now and what the lint finds, in text about to leave the engine. */
  redact: (text: string) => string;
  /** The refresh budget on disk (budget.json): `sync` reads it in, `spent` writes it; neither rejects. */
  budget?: { sync(): Promise<void>; spent(): Promise<void> };
}

// The engine's one error class. Callers branch on `code`, never on message text: the codes are a
// public contract (they cross the protocol as `ResponseError.data.code`), while messages may be
// reworded at any time. Misuse of an API (a negative timeout, a jitter outside [0, 1)) throws a plain
// TypeError instead, as jose and lru-cache do: that is a bug in the caller, not a state to handle.

export const codes = {
  configInvalid: 'ERR_CONFIG_INVALID',
  tokenUnknown: 'ERR_TOKEN_UNKNOWN',
  tokenExpired: 'ERR_TOKEN_EXPIRED',
  /** The refresh token or grant was rejected (`invalid_grant`): only a new sign-in helps. */
  needsSignIn: 'ERR_NEEDS_SIGN_IN',
  storeUnavailable: 'ERR_STORE_UNAVAILABLE',
  storeLocked: 'ERR_STORE_LOCKED',
  refreshFailed: 'ERR_REFRESH_FAILED',
  refreshBudgetExhausted: 'ERR_REFRESH_BUDGET_EXHAUSTED',
  tokenEndpointHttp: 'ERR_TOKEN_ENDPOINT_HTTP',
  /** The token endpoint answered, but not with a usable token response. */
  tokenEndpointResponse: 'ERR_TOKEN_ENDPOINT_RESPONSE',
  tokenEndpointTimeout: 'ERR_TOKEN_ENDPOINT_TIMEOUT',
  commandFailed: 'ERR_COMMAND_FAILED',
  lockTimeout: 'ERR_LOCK_TIMEOUT',
  insecureEndpoint: 'ERR_INSECURE_ENDPOINT',
  /** The token cannot be signed in to: not an `oauth2-refresh-token`, no issuer, or no such endpoint. */
  signInUnsupported: 'ERR_SIGN_IN_UNSUPPORTED',
  /** The user (or the authorization server) refused the sign-in (`access_denied`). */
  signInDenied: 'ERR_SIGN_IN_DENIED',
  /** The sign-in was not finished in time (the loopback wait, or the device code's `expires_in`). */
  signInTimeout: 'ERR_SIGN_IN_TIMEOUT',
  /** The browser came back with a `state` this sign-in did not send: a forged or stale callback. */
  signInStateMismatch: 'ERR_SIGN_IN_STATE_MISMATCH',
  signInCancelled: 'ERR_SIGN_IN_CANCELLED',
  /** The authorization server answered the sign-in with an error, or without a refresh token. */
  signInFailed: 'ERR_SIGN_IN_FAILED',
} as const;

export type ErrorCodeString = (typeof codes)[keyof typeof codes];

export class TokenAgentError extends Error {
  override readonly name = 'TokenAgentError';
  readonly code: ErrorCodeString;

  /** `message` is for people and must never hold a whole secret: at most its first 8 characters. */
  constructor(code: ErrorCodeString, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Narrows a caught value to a TokenAgentError, optionally one with the given code. */
export function isTokenAgentError(value: unknown, code?: ErrorCodeString): value is TokenAgentError {
  return value instanceof TokenAgentError && (code === undefined || value.code === code);
}

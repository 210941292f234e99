// The one typed contract between the extension and the agent: every custom LSP request and
// notification is declared here and nowhere else. docs/protocol.md documents each one, and
// test/unit/protocol-doc.test.ts fails when the two drift apart.
//
// The extension may import this module (and only this module) from agent/, so it must stay free of
// Node-only or engine imports: types and message declarations only.
import {
  NotificationType,
  RequestType,
  RequestType0,
  type WorkDoneProgressParams,
} from 'vscode-languageserver-protocol';

/** Where secrets live. `file` and `memory` are plaintext tiers the user must opt into. */
export type StoreTier = 'keychain' | 'file' | 'memory' | 'unavailable' | 'none';

export type Health = 'ok' | 'warning' | 'error';

export type TokenPhase = 'fresh' | 'refreshing' | 'expiring' | 'expired' | 'needs-sign-in' | 'error';

export type TokenType = 'oauth2-refresh-token' | 'oauth2-client-credentials' | 'command' | 'static';

/** What the extension may know of a token: never the token itself. Times are Unix milliseconds. */
export interface TokenState {
  name: string;
  type: TokenType;
  phase: TokenPhase;
  refreshBeforeSeconds: number;
  /** Expiry on the agent's clock, already corrected for the server's clock skew. */
  expiresAt?: number;
  /**
   * The provider did not say when the token expires (no `expires_in`, no JWT `exp`): `expiresAt` is
   * the definition's `lifetimeSeconds`, or an assumed hour, from when it was obtained. Show it as
   * assumed ("expires ~14:05, assumed"). Absent with no `expiresAt`: a static token, no expiry.
   */
  expiryAssumed?: boolean;
  /**
   * A command token nothing dates (no printed expiry, no JWT `exp`, no introspection answer, no
   * `lifetimeSeconds`): no `expiresAt`. Show "expiry unknown", never a countdown. The agent does not
   * refresh it in the background; each request for it runs the command again.
   */
  expiryUnknown?: boolean;
  issuedAt?: number;
  lastRefreshAt?: number;
  nextRefreshAt?: number;
  issuer?: string;
  audience?: string[];
  scope?: string;
  subject?: string;
  /** The first 8 characters of the JWT id, enough to match it in the audit log. */
  jtiPrefix?: string;
  /** Server clock minus agent clock, when it is large enough to matter. */
  skewMs?: number;
  lastError?: { code: string; message: string };
  /**
   * Whether the held access token's signature verified against its issuer's published keys (JWKS),
   * or why not. Absent while the check runs, and for static and command tokens, whose issuer the
   * agent cannot vouch for.
   */
  verification?: TokenVerification;
  /**
   * Set while a secret the agent obtained (above all a rotated refresh token) lives only in the
   * agent's memory because the secret store refused to save it; the agent keeps retrying in the
   * background and uses the in-memory one meanwhile. `since` is Unix ms; `message` says what to do,
   * e.g. "new refresh token not yet saved: unlock the keyring (ERR_STORE_LOCKED)". Never a secret.
   */
  pendingSave?: { since: number; message: string };
  /**
   * A refresh went out at `at` (Unix ms) and no readable answer came back (a garbled body, a stall, a
   * reset): the provider may have rotated the refresh token, and the agent never received the new one.
   * The next step is a sign-in (`lastError` is ERR_NEEDS_SIGN_IN saying so with the time); the agent
   * does not present the old refresh token again, which a rotating provider would read as reuse.
   */
  mayHaveRotated?: { at: number };
}

/** `code` is one of verify.ts's `VerifyFailure` values: `opaque`, `no-keys`, `bad-signature`, … */
export type TokenVerification =
  | { verified: true; algorithm: string }
  | { verified: false; code: string; reason: string };

/** Team mode (a shared Redis): `degraded` while this machine refreshes alone, with the reason. */
export type TeamHealth = { state: 'ok' } | { state: 'degraded'; detail: string };

export interface AgentStatus {
  version: string;
  /** The config file in use, and what was wrong in it (one sentence each). */
  configPath?: string;
  problems: string[];
  /** The JSON-lines audit log of refreshes, for "Open Audit Log". */
  auditLogPath?: string;
  pid: number;
  /** Unix milliseconds; uptime is derived from it so that a status does not go stale. */
  startedAt: number;
  health: Health;
  /** One sentence for people, set when health is not `ok`. */
  message?: string;
  store: {
    tier: StoreTier;
    plaintext: boolean;
    detail?: string;
    /** Why the store is unavailable, as a code the client can branch on. */
    error?: { code: string; message: string };
  };
  /** Present only when team mode is configured. */
  team?: TeamHealth;
  lint: { enabled: boolean };
  tokens: TokenState[];
  /**
   * Set by a window's language server while the user agent cannot be reached (it stopped or is being
   * started again): the reason, for people. The tokens are then unknown, not absent.
   */
  agentDown?: string;
}

/**
 * The engine's error codes: the one list, re-exported by agent/engine/errors.ts. The codes are a public
 * contract (they cross the protocol as `ResponseError.data.code` and the socket API as `error.code`).
 */
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
  /**
   * Team mode cannot reach Redis, and this machine did not write the team's newest refresh token, so
   * it may not refresh (that could spend a stale refresh token and get the grant revoked). Fix: bring
   * Redis back (the agent rejoins by itself), or refresh on the machine that wrote last.
   */
  teamUnavailable: 'ERR_TEAM_UNAVAILABLE',
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
  /** A request to the user agent that it cannot take as sent (a bad body, a bad parameter). */
  badRequest: 'ERR_BAD_REQUEST',
  /** No user agent answers and none could be started; the message says why and names its log. */
  agentUnavailable: 'ERR_AGENT_UNAVAILABLE',
  /** The user agent is stopping: it finishes what it has in flight but takes nothing new. */
  agentStopping: 'ERR_STOPPING',
  /** The user agent's socket API refuses a request before routing it (routes.ts says why each). */
  hostNotAllowed: 'ERR_HOST_NOT_ALLOWED',
  originNotAllowed: 'ERR_ORIGIN_NOT_ALLOWED',
  unauthorized: 'ERR_UNAUTHORIZED',
  methodNotAllowed: 'ERR_METHOD_NOT_ALLOWED',
  notFound: 'ERR_NOT_FOUND',
  /**
   * A folder or file the agent would listen in or write to could have been placed by another user (a
   * symlink, someone else's, writable by others); the message says how to fix it.
   */
  unsafePath: 'ERR_UNSAFE_PATH',
  /**
   * The agent's data folder (its locks, budget, audit log, and the file store) cannot be written: a
   * read-only mount, an immutable flag, no permission, a full disk. Nothing was sent, so the refresh
   * token is still good; the message names the folder and the fix.
   */
  dataDirUnwritable: 'ERR_DATA_DIR_UNWRITABLE',
} as const;

/** Stable error codes carried in `ResponseError.data.code`; callers branch on these, never on text. */
export const ErrorCode = {
  ...codes,
  internal: 'ERR_AGENT_INTERNAL',
  /** The editor has no language server running (it is starting, or stopped): said by the extension. */
  agentDown: 'ERR_AGENT_DOWN',
  /** A workspace scan was asked for while `tokenAgent.lint.enabled` is off. */
  lintDisabled: 'ERR_LINT_DISABLED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorData {
  code: ErrorCode;
}

export type SecretKind = 'refresh_token' | 'client_secret' | 'access_token' | 'static_token';

export interface GetTokenParams {
  name: string;
  /** The token handed over must stay valid at least this long; the agent refreshes first if needed. */
  minValidSeconds: number;
}

export interface GetTokenResult {
  accessToken: string;
  expiresAt?: number;
  /** The provider did not say when the token expires: `expiresAt` is an assumed lifetime. */
  expiryAssumed?: boolean;
  /** A command token nothing dates: no `expiresAt`; it is what the command printed just now. */
  expiryUnknown?: boolean;
  /**
   * The token cannot live as long as asked (its provider issues shorter-lived ones): this is the
   * freshest there is, valid until `expiresAt`, and asking again would not help.
   */
  shortOfMinValid?: boolean;
  /** A masked preview safe to show (`eyJhbGci…`). */
  preview: string;
}

export interface TokenNameParams {
  name: string;
}

export interface SetSecretParams {
  name: string;
  kind: SecretKind;
  value: string;
}

export type SignInFlow = 'browser' | 'device';

export interface SignInParams {
  name: string;
  flow: SignInFlow;
}

/** What the user must do: open a URL, or type a code at one. */
export type SignInPrompt =
  | { flow: 'browser'; authorizationUrl: string }
  | {
      flow: 'device';
      userCode: string;
      verificationUri: string;
      verificationUriComplete?: string;
      expiresAt: number;
    };

export interface SignInPromptParams {
  name: string;
  prompt: SignInPrompt;
  /**
   * The sign-in was already under way, started by another window or terminal: this request joined it
   * (one sign-in per token). Show its prompt without opening a second browser tab.
   */
  joined?: boolean;
}

export interface SignInResult {
  name: string;
  /** The store tier that now holds the refresh token. */
  tier: 'keychain' | 'file' | 'memory';
  plaintext: boolean;
  accessTokenPreview: string;
  expiresAt?: number;
  /** Whether the new access token's signature verified against the issuer's published keys, or why not. */
  verification?: TokenVerification;
}

/** The client's `workDoneToken`, when given, receives begin/report/end progress while the scan runs. */
export type ScanWorkspaceParams = WorkDoneProgressParams;

export interface ScanWorkspaceResult {
  /** Files read and scanned (open documents are linted live and counted here too). */
  files: number;
  bytes: number;
  findings: number;
  /**
   * Of `findings`, those of severity info (keys made to be published, GitHub and npm tokens whose
   * checksum fails). Absent from an agent older than the field.
   */
  infoFindings?: number;
  /** Files that now carry token-agent diagnostics in the Problems panel. */
  filesWithFindings: number;
  /** Files skipped as binary, minified, too large or unreadable. */
  skipped: number;
  /** Folders or files that could not be read, one sentence each (at most 20). */
  errors: string[];
  /** The client cancelled: the counts cover what was scanned until then. */
  cancelled: boolean;
}

/** A token definition as the user agent shows it: the config entry (never a secret) and its problems. */
export interface DefinitionView {
  name: string;
  /** The entry as written in the config file, unknown fields included. */
  entry: Record<string, unknown>;
  /** Set when the entry does not validate: the token is disabled until it is fixed. */
  problems?: string[];
}

/** Every definition in the agent's config file, the one source of truth for definitions. */
export interface DefinitionList {
  configPath: string;
  tokens: DefinitionView[];
  /** Problems of the file as a whole (unreadable, invalid JSON, a bad `store`). */
  problems: string[];
}

export interface DefineTokenParams {
  name: string;
  /** The config entry without secrets (`type`, `issuer` or `tokenEndpoint`, `clientId`, …). */
  definition: Record<string, unknown>;
  /** Replace a definition of that name; without it, a name already defined is refused. */
  replace?: boolean;
}

/** The agent's verdict on a definition, at once: written to the config file, or refused and why. */
export type DefineTokenResult =
  | { ok: true; replaced: boolean; configPath: string; warnings: string[] }
  | { ok: false; configPath: string; problems: { field?: string; message: string }[] };

export interface ImportDefinitionsParams {
  /** The entries of the deprecated `tokenAgent.tokens` setting. */
  entries: unknown[];
}

export interface ImportDefinitionsResult {
  configPath: string;
  imported: string[];
  skipped: { name: string; reason: string }[];
}

/** Deprecated: older agents asked the editor to add a definition to `tokenAgent.tokens`. */
export interface AddTokenDefinitionParams {
  definition: { name: string; type: 'static' };
}

/** What a line of the audit log says happened (agent/store/auditLog.ts writes them). */
/** `may-have-rotated`: a refresh went out and no readable answer came back (see `TokenState.mayHaveRotated`). */
export type AuditOutcome =
  | 'refreshed'
  | 'failed'
  | 'reused'
  | 'needs-sign-in'
  | 'signed-in'
  | 'may-have-rotated';

/** One audit log line as the timeline shows it. Times are Unix milliseconds; never a token value. */
export interface AuditRow {
  time: number;
  token: string;
  outcome: AuditOutcome;
  error?: string;
  /** The first 8 characters of the new token's JWT id. */
  jtiPrefix?: string;
  /** The new token's expiry. */
  exp?: number;
  /** Server clock minus agent clock measured at this refresh, when large enough to matter. */
  skewMs?: number;
  pid: number;
  host: string;
}

/** A point on a token's timeline: an audit line, or a clock-skew warning read from one. */
export interface TimelineEvent extends Omit<AuditRow, 'token' | 'outcome'> {
  kind: AuditOutcome | 'clock-skew';
}

/**
 * A stretch of a token's timeline: a token's lifetime (obtained to expiry), a backoff after a failed
 * refresh (until the next attempt), or a wait for sign-in. `open` spans have not ended yet.
 */
export interface TimelineSpan {
  kind: 'lifetime' | 'backoff' | 'signed-out';
  from: number;
  to: number;
  open?: boolean;
  jtiPrefix?: string;
}

export interface TokenTimeline {
  name: string;
  /** Oldest first, inside the window. */
  events: TimelineEvent[];
  /** Those overlapping the window, clipped to it, oldest first. */
  spans: TimelineSpan[];
}

export interface TimelineParams {
  /** How far back, in hours (default 24, at most 168). */
  hours?: number;
  /** The `stamp` of the answer the caller has: an unchanged log answers `{ unchanged: true }`. */
  stamp?: string;
}

export type TimelineResult =
  | { unchanged: true; stamp: string }
  | {
      unchanged?: false;
      /** Changes whenever the audit log does (its size and modification time). */
      stamp: string;
      auditLogPath: string;
      /** The window drawn, Unix ms. */
      from: number;
      to: number;
      tokens: TokenTimeline[];
      /** The newest lines of the log, newest first, for the table (at most 500). */
      rows: AuditRow[];
      /** Lines that are not audit records (torn, hand-edited): left out and counted. */
      skipped: number;
      /** Only the end of a very large log was read. */
      truncated?: boolean;
    };

export const status = new RequestType0<AgentStatus, ErrorData>('tokenAgent/status');
export const didChangeStatus = new NotificationType<AgentStatus>('tokenAgent/didChangeStatus');
export const getToken = new RequestType<GetTokenParams, GetTokenResult, ErrorData>('tokenAgent/getToken');
export const refreshToken = new RequestType<TokenNameParams, TokenState, ErrorData>(
  'tokenAgent/refreshToken',
);
export const setSecret = new RequestType<SetSecretParams, null, ErrorData>('tokenAgent/setSecret');
export const removeSecrets = new RequestType<TokenNameParams, null, ErrorData>('tokenAgent/removeSecrets');
export const signIn = new RequestType<SignInParams, SignInResult, ErrorData>('tokenAgent/signIn');
export const signInPrompt = new NotificationType<SignInPromptParams>('tokenAgent/signInPrompt');
export const scanWorkspace = new RequestType<ScanWorkspaceParams, ScanWorkspaceResult, ErrorData>(
  'tokenAgent/scanWorkspace',
);
export const addTokenDefinition = new RequestType<AddTokenDefinitionParams, null, ErrorData>(
  'tokenAgent/addTokenDefinition',
);

export const listDefinitions = new RequestType0<DefinitionList, ErrorData>('tokenAgent/listDefinitions');
export const defineToken = new RequestType<DefineTokenParams, DefineTokenResult, ErrorData>(
  'tokenAgent/defineToken',
);
export const removeDefinition = new RequestType<TokenNameParams, { removed: boolean }, ErrorData>(
  'tokenAgent/removeDefinition',
);
export const importDefinitions = new RequestType<ImportDefinitionsParams, ImportDefinitionsResult, ErrorData>(
  'tokenAgent/importDefinitions',
);

export const timeline = new RequestType<TimelineParams, TimelineResult, ErrorData>('tokenAgent/timeline');

export type Direction = 'client -> server' | 'server -> client';
export interface MethodInfo {
  method: string;
  kind: 'request' | 'notification';
  direction: Direction;
  /** The params type by name (declared in this module), or `none`. */
  params: string;
  /** The result type by name; notifications have none. */
  result?: string;
  /** The `ERR_…` codes a caller should be ready for. */
  errors?: readonly ErrorCode[];
  /** What it is for, in a sentence or two: docs/protocol.md is generated from this table. */
  summary: string;
}

const tokenErrors = [
  ErrorCode.tokenUnknown,
  ErrorCode.needsSignIn,
  ErrorCode.tokenExpired,
  ErrorCode.teamUnavailable,
  ErrorCode.agentUnavailable,
] as const;
const storeErrors = [ErrorCode.storeUnavailable, ErrorCode.storeLocked, ErrorCode.agentUnavailable] as const;

/** Every custom method, for the generated docs/protocol.md and for tracing. Add new messages here too. */
export const methods: readonly MethodInfo[] = [
  {
    method: status.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'none',
    result: 'AgentStatus',
    summary:
      "The current state: the user agent's (version, pid, store, team, tokens) with this window's lint switch. The server pushes every change with `tokenAgent/didChangeStatus`; this is for tools and a window that wants it at once.",
  },
  {
    method: didChangeStatus.method,
    kind: 'notification',
    direction: 'server -> client',
    params: 'AgentStatus',
    summary:
      "Pushed once the language server is initialised, then whenever the user agent's status (a token, the store, team mode) or the lint switch changes. Every window subscribes to the same agent, so all see a refresh at once.",
  },
  {
    method: getToken.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'GetTokenParams',
    result: 'GetTokenResult',
    errors: tokenErrors,
    summary:
      "A token valid for at least `minValidSeconds`, refreshed first by the user agent if needed. A minimum longer than the provider's tokens live answers the freshest token with `shortOfMinValid`, never a refresh per request.",
  },
  {
    method: refreshToken.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'TokenNameParams',
    result: 'TokenState',
    errors: tokenErrors,
    summary:
      'Refreshes now (the user\'s "Refresh Now"); a second request within seconds of a refresh gets the token just obtained.',
  },
  {
    method: setSecret.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'SetSecretParams',
    result: 'null',
    errors: storeErrors,
    summary:
      "Stores a secret in the user agent's secret store and acts on it at once (a new refresh token is tried right away). The value never crosses back.",
  },
  {
    method: removeSecrets.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'TokenNameParams',
    result: 'null',
    errors: storeErrors,
    summary: 'Deletes every secret of a token and forgets its access token.',
  },
  {
    method: signIn.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'SignInParams',
    result: 'SignInResult',
    errors: [
      ErrorCode.signInUnsupported,
      ErrorCode.signInDenied,
      ErrorCode.signInTimeout,
      ErrorCode.signInStateMismatch,
      ErrorCode.signInCancelled,
      ErrorCode.signInFailed,
      ErrorCode.storeUnavailable,
    ],
    summary:
      'Signs in through the browser (PKCE, one-shot loopback redirect) or a device code; the user agent runs the flow and stores the refresh token. What the user must do arrives as `tokenAgent/signInPrompt`. One sign-in runs per token: a request while one is under way (another window, a terminal’s `login`) joins it and gets the same prompt (`joined: true`) and outcome; cancelling the request stops this window waiting, and cancels the sign-in only when nobody else waits on it.',
  },
  {
    method: signInPrompt.method,
    kind: 'notification',
    direction: 'server -> client',
    params: 'SignInPromptParams',
    summary: 'What the user must do for a sign-in in progress: open a URL, or type a code at one.',
  },
  {
    method: scanWorkspace.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'ScanWorkspaceParams',
    result: 'ScanWorkspaceResult',
    errors: [ErrorCode.lintDisabled],
    summary:
      'Scans every workspace folder as `token-agent scan` does, reporting `$/progress` when a `workDoneToken` is given; findings of files that are not open go to the Problems panel.',
  },
  {
    method: addTokenDefinition.method,
    kind: 'request',
    direction: 'server -> client',
    params: 'AddTokenDefinitionParams',
    result: 'null',
    errors: [ErrorCode.configInvalid],
    summary:
      'Deprecated: older agents asked the editor to add a static token to `tokenAgent.tokens`. The user agent now owns definitions (`tokenAgent/defineToken`); kept for older language servers.',
  },
  {
    method: listDefinitions.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'none',
    result: 'DefinitionList',
    errors: [ErrorCode.agentUnavailable],
    summary: "Every definition in the user agent's config file, broken entries with their problems.",
  },
  {
    method: defineToken.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'DefineTokenParams',
    result: 'DefineTokenResult',
    errors: [ErrorCode.configInvalid, ErrorCode.agentUnavailable],
    summary:
      'Adds or replaces a definition in the config file, answering the verdict at once: written (and applied to that token only), or refused with a problem naming the field. Secrets never go in a definition.',
  },
  {
    method: removeDefinition.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'TokenNameParams',
    result: '{ removed: boolean }',
    errors: [ErrorCode.configInvalid, ErrorCode.agentUnavailable],
    summary: 'Removes a definition (a broken one too) from the config file; its secrets are not touched.',
  },
  {
    method: importDefinitions.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'ImportDefinitionsParams',
    result: 'ImportDefinitionsResult',
    errors: [ErrorCode.configInvalid, ErrorCode.agentUnavailable],
    summary:
      'Imports the deprecated `tokenAgent.tokens` setting into the config file, once: names already defined are skipped.',
  },
  {
    method: timeline.method,
    kind: 'request',
    direction: 'client -> server',
    params: 'TimelineParams',
    result: 'TimelineResult',
    errors: [ErrorCode.agentUnavailable],
    summary:
      "The last hours of every token as the user agent's audit log tells them: lifetimes, refreshes, failures and backoff, sign-ins and clock-skew warnings, plus the newest lines as rows. Bad lines are skipped and counted. Pass the last `stamp` to get `{ unchanged: true }` cheaply while nothing was written.",
  },
];

/**
 * Every `tokenAgent.*` setting, declared once with its default: the extension reads them, and the
 * language server pulls the same section through workspace/configuration (`settingIn`).
 */
export interface TokenSetting {
  name: string;
  type: string;
  [field: string]: unknown;
}

export const settingDefaults = {
  'agent.path': '',
  tokens: [] as TokenSetting[],
  'copy.minValiditySeconds': 300,
  'copy.clearAfterSeconds': 45,
  'statusBar.warnBeforeSeconds': 300,
  'log.level': 'info' as 'debug' | 'info' | 'warn' | 'error',
  'lint.enabled': true,
  'trace.server': 'off' as 'off' | 'messages' | 'verbose',
} as const;

export type SettingKey = keyof typeof settingDefaults;
export const settingsSection = 'tokenAgent';

/** A setting out of the section as `workspace/configuration` answers it (nested objects), or its default. */
export function settingIn<K extends SettingKey>(section: unknown, key: K): (typeof settingDefaults)[K] {
  let value: unknown = section;
  for (const part of key.split('.')) value = (value as Record<string, unknown> | null | undefined)?.[part];
  const fallback = settingDefaults[key];
  return (
    typeof value === typeof fallback && value !== null ? value : fallback
  ) as (typeof settingDefaults)[K];
}

/**
 * Loopback hosts as the WHATWG URL parser normalises them: `localhost` exactly (not a name that merely
 * starts with it, such as `localhost.evil.com`), 127.0.0.0/8 in any spelling, and `[::1]`.
 */
export function isLoopbackHost(hostname: string): boolean {
  return (
    hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname)
  );
}

/**
 * The rule the agent applies to every endpoint it sends a secret to (`issuer`, `tokenEndpoint`): https,
 * or plain http on this machine only. Here, and not in agent/config/, so that the editor's input box
 * checks the very same rule as the user types (the extension may import nothing else from agent/).
 */
export function isSecureEndpoint(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}

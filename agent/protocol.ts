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
import { codes } from './engine/errors';

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
  store: { tier: StoreTier; plaintext: boolean; detail?: string };
  /** Present only when team mode is configured. */
  team?: TeamHealth;
  lint: { enabled: boolean };
  tokens: TokenState[];
}

/** Stable error codes carried in `ResponseError.data.code`; callers branch on these, never on text. */
export const ErrorCode = {
  ...codes,
  internal: 'ERR_AGENT_INTERNAL',
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
  /** Files that now carry token-agent diagnostics in the Problems panel. */
  filesWithFindings: number;
  /** Files skipped as binary, minified, too large or unreadable. */
  skipped: number;
  /** Folders or files that could not be read, one sentence each (at most 20). */
  errors: string[];
  /** The client cancelled: the counts cover what was scanned until then. */
  cancelled: boolean;
}

/** A definition the agent asks the editor to add to the user's `tokenAgent.tokens`. */
export interface AddTokenDefinitionParams {
  definition: { name: string; type: 'static' };
}

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

export type Direction = 'client -> server' | 'server -> client';
export interface MethodInfo {
  method: string;
  kind: 'request' | 'notification';
  direction: Direction;
}

/** Every custom method, for documentation checks and tracing. Add new messages here too. */
export const methods: readonly MethodInfo[] = [
  { method: status.method, kind: 'request', direction: 'client -> server' },
  { method: didChangeStatus.method, kind: 'notification', direction: 'server -> client' },
  { method: getToken.method, kind: 'request', direction: 'client -> server' },
  { method: refreshToken.method, kind: 'request', direction: 'client -> server' },
  { method: setSecret.method, kind: 'request', direction: 'client -> server' },
  { method: removeSecrets.method, kind: 'request', direction: 'client -> server' },
  { method: signIn.method, kind: 'request', direction: 'client -> server' },
  { method: signInPrompt.method, kind: 'notification', direction: 'server -> client' },
  { method: scanWorkspace.method, kind: 'request', direction: 'client -> server' },
  { method: addTokenDefinition.method, kind: 'request', direction: 'server -> client' },
];

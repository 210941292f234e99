// The user agent's API: HTTP/1.1 with JSON bodies on its 0600 Unix socket (and, for token reads only,
// on an optional loopback TCP port behind a bearer secret). One module declares every route and its
// types; the agent's handler (routes.ts) and every client (client.ts: the CLI, the helpers, each
// editor window's language server) import it, so the two sides cannot drift apart.
//
// Reads are GET; anything that changes state is PUT, POST or DELETE and is answered only on the
// Unix socket, whose file mode is the access check. Errors are `{ error: { code, message } }` with a
// stable code (errors.ts and `agentCodes` below).
import { codes } from '../base/errors';
import type * as protocol from '../protocol';
import type {
  AgentStatus,
  SecretKind,
  SignInFlow,
  SignInPrompt,
  SignInResult,
  TokenState,
} from '../protocol';
import { ErrorCode } from '../protocol';

/** Bumped when a route changes shape; a client that finds another version restarts the agent. */
export const agentApiVersion = 1;

/** Errors of the agent's HTTP layer itself; the engine's codes (errors.ts) pass through unchanged. */
export const agentCodes = {
  hostNotAllowed: codes.hostNotAllowed,
  originNotAllowed: codes.originNotAllowed,
  unauthorized: codes.unauthorized,
  methodNotAllowed: codes.methodNotAllowed,
  notFound: codes.notFound,
  badRequest: codes.badRequest,
  stopping: codes.agentStopping,
  internal: ErrorCode.internal,
  agentUnavailable: codes.agentUnavailable,
} as const;

/** `GET /healthz`. */
export interface Health {
  status: 'ok' | 'stopping';
  pid: number;
  api: number;
  configPath: string;
}

/** `GET /v1/tokens/NAME?min_valid=S`: the shape of an OAuth token response, so tools can reuse parsers. */
export interface TokenAnswer {
  access_token: string;
  token_type: 'Bearer';
  /** Unix seconds; absent when the expiry is unknown. */
  expires_at?: number;
  expires_in?: number;
  /** The provider did not say when the token expires: `expires_at` is an assumed lifetime. */
  expiry_assumed?: true;
  /** A command token nothing dates: no `expires_at`; the command printed it just now. */
  expiry_unknown?: true;
  /**
   * Set when the token cannot live as long as asked (its whole lifetime is shorter): this is the
   * freshest token there is, valid for `expires_in` seconds, and asking again would not help.
   */
  short_of_min_valid?: true;
  /**
   * Unix seconds from when the agent refreshes this token (the refresh lead before expiry): what the
   * credential helpers report as its expiry to git and kubectl, so they ask again before it lapses.
   */
  refresh_at?: number;
}

/**
 * `GET /v1/credential?host=H[&protocol=P][&path=PATH]&min_valid=S`: the token the git and docker
 * credential helpers present to a remote, matched in the agent by the definitions' `urls`
 * (daemon/served.ts), with the token in the same answer: one exchange for a helper's `get`. A token
 * that could not be had comes back as the match's `error` (200), so the helper can name the token.
 * Without `protocol` any protocol matches (docker names registries by host alone).
 */
export type CredentialAnswer =
  | { match: 'none' }
  /** Several tokens serve the host and no path tells them apart. */
  | { match: 'ambiguous'; names: string[] }
  | { match: 'token'; name: string; username: string; token: TokenAnswer }
  | { match: 'token'; name: string; username: string; error: { code?: string; message: string } };

/** `GET /v1/definitions`, `PUT /v1/definitions/NAME`, `POST /v1/definitions/import`: the editor
 * protocol's types, so the language server passes the agent's answers through unchanged. */
export type DefinitionList = protocol.DefinitionList;
export type DefineAnswer = protocol.DefineTokenResult;
export type ImportAnswer = protocol.ImportDefinitionsResult;

/**
 * `POST /v1/tokens/NAME/sign-in` with `SignInRequest`: newline-delimited JSON, one `SignInEvent` a line.
 * One sign-in runs per token: a request while one is under way joins it (`joined`), gets its prompt
 * (whatever flow it is) and its outcome. A caller stops waiting by closing the connection or with
 * `DELETE /v1/tokens/NAME/sign-in?id=ID`; the flow is cancelled when no caller is left.
 */
export interface SignInRequest {
  flow: SignInFlow;
}
export type SignInEvent =
  | {
      prompt: SignInPrompt;
      /** Another caller (window, terminal) started this sign-in: show its prompt, open no second tab. */
      joined: boolean;
      /** This caller's id, for `DELETE /v1/tokens/NAME/sign-in?id=ID`. */
      id: string;
    }
  | { result: SignInResult }
  | { error: { code: string; message: string } };

/** `DELETE /v1/tokens/NAME/sign-in?id=ID`: false when no such caller waits (it left, or the flow ended). */
export interface LeaveSignInAnswer {
  left: boolean;
}

/** `PUT /v1/secrets/NAME/KIND` with `{ value }`; `DELETE /v1/secrets/NAME[/KIND]`. */
export interface SecretRequest {
  value: string;
  /** Refuse when another value is stored under a name no token is defined for. */
  keepOther?: boolean;
}

/**
 * `GET /v1/held`: the access tokens held now, for a language server's live-token lint (it keeps only
 * keyed digests). Unix socket only.
 */
export interface HeldAnswer {
  tokens: { name: string; accessToken?: string }[];
}

/**
 * `GET /v1/timeline?hours=H&stamp=S`: the audit log as the timeline draws it (the editor protocol's
 * type, passed through unchanged). Unix socket only: it names tokens, hosts and pids.
 */
export type TimelineAnswer = protocol.TimelineResult;

/** `GET /v1/status` is an `AgentStatus`; `GET /v1/events` streams one per line, first at once. */
export type { AgentStatus, SecretKind, TokenState };

export const routes = {
  health: '/healthz',
  status: '/v1/status',
  events: '/v1/events',
  held: '/v1/held',
  timeline: (hours: number, stamp?: string) =>
    `/v1/timeline?hours=${hours}${stamp ? `&stamp=${encodeURIComponent(stamp)}` : ''}`,
  definitions: '/v1/definitions',
  importDefinitions: '/v1/definitions/import',
  definition: (name: string) => `/v1/definitions/${encodeURIComponent(name)}`,
  token: (name: string, minValidSeconds: number) =>
    `/v1/tokens/${encodeURIComponent(name)}?min_valid=${minValidSeconds}`,
  credential: (remote: { protocol?: string; host: string; path?: string }, minValidSeconds: number) =>
    `/v1/credential?${new URLSearchParams({
      host: remote.host,
      ...(remote.protocol !== undefined ? { protocol: remote.protocol } : {}),
      ...(remote.path !== undefined ? { path: remote.path } : {}),
      min_valid: String(minValidSeconds),
    })}`,
  refresh: (name: string) => `/v1/tokens/${encodeURIComponent(name)}/refresh`,
  signIn: (name: string) => `/v1/tokens/${encodeURIComponent(name)}/sign-in`,
  leaveSignIn: (name: string, id: string) =>
    `/v1/tokens/${encodeURIComponent(name)}/sign-in?id=${encodeURIComponent(id)}`,
  secret: (name: string, kind?: SecretKind) =>
    `/v1/secrets/${encodeURIComponent(name)}${kind ? `/${kind}` : ''}`,
} as const;

/** Token names as the config allows them; anything else in a path is a 404 before any lookup. */
export const namePattern = '[A-Za-z0-9._@-]{1,64}';

/** What a helper is asked about: git's protocol, host (with port) and, with useHttpPath, the path. */
export interface Remote {
  /** `https`, `http`; undefined matches any (docker names registries by host alone). */
  protocol?: string;
  /** Host and port as the remote's URL has them (`git.example.com`, `127.0.0.1:8080`). */
  host: string;
  /** The path without its leading '/', when the caller sends one. */
  path?: string;
}

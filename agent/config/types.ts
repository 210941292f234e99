// The shapes of the agent's config: token definitions, team mode, and their defaults. Types and
// constants only, so that every module that handles a definition can import them without the checks.
export const tokenTypes = ['oauth2-refresh-token', 'oauth2-client-credentials', 'command', 'static'] as const;
export type TokenType = (typeof tokenTypes)[number];

/** `file` and `memory` keep secrets in plaintext; the user must choose them explicitly. */
export const storeKinds = ['keychain', 'file', 'memory'] as const;
export type StoreKind = (typeof storeKinds)[number];

export const configDefaults = {
  store: 'keychain',
  refreshBeforeSeconds: 120,
  refreshBudgetPerHour: 60,
  commandTimeoutSeconds: 30,
  /**
   * How long an OAuth access token is assumed to live when the provider says nothing (no `expires_in`,
   * no JWT `exp`) and the definition has no `lifetimeSeconds`: an hour, the most common default
   * (Okta, Entra ID, Auth0, Google). Shown as assumed, and refreshed before its end like any token.
   */
  assumedLifetimeSeconds: 3600,
} as const satisfies {
  store: StoreKind;
  refreshBeforeSeconds: number;
  refreshBudgetPerHour: number;
  commandTimeoutSeconds: number;
  assumedLifetimeSeconds: number;
};

interface TokenCommon {
  name: string;
  /** How long before expiry to refresh (or, for static tokens, to warn). */
  refreshBeforeSeconds: number;
  /**
   * URL prefixes this token is presented to by the credential helpers (git, docker): the longest
   * prefix that matches a remote wins. `https:` (or `http:` on loopback), no user, query or fragment.
   */
  urls?: string[];
  /** The user name the git and docker helpers present with the token (default `defaultUsername`). */
  username?: string;
}

/**
 * What the git and docker helpers present as the user name when a definition names none. GitHub
 * expects `x-access-token` for app and OAuth tokens and ignores it for personal tokens; GitLab wants
 * `oauth2` for OAuth tokens, which a definition sets with `"username": "oauth2"`.
 */
export const defaultUsername = 'x-access-token';

/** Exactly one of the two: `issuer` means the token endpoint is found by discovery. */
export type OAuth2Endpoint =
  | { issuer: string; tokenEndpoint?: undefined }
  | { tokenEndpoint: string; issuer?: undefined };

type OAuth2Common = TokenCommon &
  OAuth2Endpoint & {
    clientId: string;
    /** Space-separated, as sent in the `scope` parameter. */
    scope?: string;
    /** RFC 8707 resource indicator. */
    resource?: string;
    refreshBudgetPerHour: number;
    /** How long an access token lives when the provider does not say (no expires_in, no JWT exp). */
    lifetimeSeconds?: number;
  };

export type OAuth2RefreshTokenDefinition = OAuth2Common & { type: 'oauth2-refresh-token' };
export type OAuth2ClientCredentialsDefinition = OAuth2Common & { type: 'oauth2-client-credentials' };

export interface CommandTokenDefinition extends TokenCommon {
  type: 'command';
  /** Program and arguments, run without a shell. */
  command: string[];
  timeoutSeconds: number;
  refreshBudgetPerHour: number;
  /** How long a printed token lives when the command does not say (and introspection does not). */
  lifetimeSeconds?: number;
  /** Dotted path to the token in the JSON the command prints, when not a well-known field. */
  tokenField?: string;
  /** Dotted path to its expiry: seconds from now, epoch seconds or ms, or a date string. */
  expiryField?: string;
  /**
   * RFC 7662 endpoint asked for the `exp` of a printed token that says nothing of its expiry; with
   * the `clientId` it authenticates as (and `client_secret` from the secret store, when there is one).
   */
  introspectionEndpoint?: string;
  clientId?: string;
}

export interface StaticTokenDefinition extends TokenCommon {
  type: 'static';
}

export type TokenDefinition =
  | OAuth2RefreshTokenDefinition
  | OAuth2ClientCredentialsDefinition
  | CommandTokenDefinition
  | StaticTokenDefinition;

/**
 * Team mode (docs/team-mode.md): a `redis://` or `rediss://` URL of one node, or an object naming a
 * node, a cluster or a Sentinel group, and where the team's encryption key comes from.
 */
export type RedisConfig = string | RedisTeamConfig;

export interface RedisTeamConfig {
  /** One node (or a proxy in front of several). Exactly one of `url`, `cluster` and `sentinel`. */
  url?: string;
  /** Seed nodes of a Redis Cluster. */
  cluster?: string[];
  /** A Sentinel group: the master's name and the sentinels' URLs. */
  sentinel?: { name: string; nodes: string[] };
  /** The environment variable holding the team key; without it the key comes from the secret store. */
  keyEnv?: string;
  /** The first part of every key, so that several teams can share one Redis. */
  prefix?: string;
}

export interface AgentConfig {
  store: StoreKind;
  redis?: RedisConfig;
  tokens: TokenDefinition[];
}

export type ConfigSource = 'file' | 'settings';

export interface Problem {
  /** An `error` on a token means that token is disabled; a top-level `error` falls back to the default. */
  severity: 'error' | 'warning';
  source: ConfigSource;
  /** The token's name, when it has a valid one. */
  token?: string;
  /** The entry's position in its `tokens` array. */
  index?: number;
  field?: string;
  /** One sentence naming the token and the field. Never echoes a value that could be a secret. */
  message: string;
}

export interface ConfigResult {
  config: AgentConfig;
  problems: Problem[];
}

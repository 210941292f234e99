// Judges the agent's config into typed token definitions. Pure: the caller reads the file and the
// settings, this module only checks them. A bad token entry disables that token alone and says why in
// one sentence, so one typo does not take every other token down with it.
//
// Validation is idempotent: a validated config, fed back in, comes out equal and without problems.
// That lets settings tokens and file tokens go through the same checks whatever their origin.
import { isLoopbackHost } from '../protocol';
import { commandFields } from './commandFields';
import { consumerFields } from './consumerFields';
import {
  commandField,
  describeType,
  isOneOf,
  isRecord,
  oauth2Endpoint,
  optionalResource,
  optionalScope,
  type Report,
  requiredString,
  show,
} from './fieldReaders';
import {
  type AgentConfig,
  type ConfigResult,
  type ConfigSource,
  configDefaults,
  type Problem,
  type RedisConfig,
  type RedisTeamConfig,
  storeKinds,
  type TokenDefinition,
  type TokenType,
  tokenTypes,
} from './types';

// The endpoint rule is shared with the editor's input box through the protocol module.
export { isLoopbackHost };

const namePattern = /^[A-Za-z0-9._-]{1,64}$/;
const limits = {
  refreshBeforeSeconds: { min: 0, max: 86_400 },
  refreshBudgetPerHour: { min: 1, max: 3_600 },
  timeoutSeconds: { min: 1, max: 600 },
  // Up to a year: a longer "lifetime" is a token that never expires, which is a static token.
  lifetimeSeconds: { min: 1, max: 31_536_000 },
} as const;

// `urls` and `username` tell the git and docker helpers where a token goes (consumerFields.ts).
const commonFields = ['name', 'type', 'refreshBeforeSeconds', 'urls', 'username'] as const;
const oauth2Fields = [
  ...commonFields,
  'clientId',
  'issuer',
  'tokenEndpoint',
  'scope',
  'resource',
  'refreshBudgetPerHour',
  'lifetimeSeconds',
] as const;
const fieldsByType: Readonly<Record<TokenType, readonly string[]>> = {
  'oauth2-refresh-token': oauth2Fields,
  'oauth2-client-credentials': oauth2Fields,
  command: [
    ...commonFields,
    'command',
    'timeoutSeconds',
    'refreshBudgetPerHour',
    'lifetimeSeconds',
    'tokenField',
    'expiryField',
    'introspectionEndpoint',
    'clientId',
  ],
  static: commonFields,
};
const knownTokenFields = new Set(Object.values(fieldsByType).flat());
const topLevelFields = new Set(['store', 'redis', 'tokens']);
// Editors add `$schema` for completion; it is not a mistake worth a warning.
const ignoredTopLevelFields = new Set(['$schema']);
// Secrets written into the config would sit in a file nobody protects (or in synced settings).
const secretLookingField =
  /secret|password|passwd|private.?key|api.?key|assertion|^(?:(?:access|refresh|id).?)?token$/i;

/** Parses and validates the config file's text. Invalid JSON is one problem and an empty config. */
export function parseConfig(text: string): ConfigResult {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    // V8's message can quote the surrounding text, which may hold a secret: report the place only.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    const where = position === undefined ? '' : ` at ${lineAndColumn(text, Number(position))}`;
    return {
      config: emptyConfig(),
      problems: [{ severity: 'error', source: 'file', message: `the config is not valid JSON${where}` }],
    };
  }
  return validateConfig(raw);
}

/** Validates parsed config JSON. Never throws on bad input: every issue becomes a problem. */
export function validateConfig(raw: unknown): ConfigResult {
  const problems: Problem[] = [];
  const config = emptyConfig();
  if (!isRecord(raw)) {
    problems.push({
      severity: 'error',
      source: 'file',
      message: `the config must be a JSON object, got ${show(raw)}`,
    });
    return { config, problems };
  }
  const topLevel = (severity: Problem['severity'], field: string, message: string) =>
    problems.push({ severity, source: 'file', field, message });

  if (raw.store !== undefined) {
    if (isOneOf(raw.store, storeKinds)) config.store = raw.store;
    else
      topLevel(
        'error',
        'store',
        `"store" must be one of ${storeKinds.join(', ')}, got ${show(raw.store)}; using ${configDefaults.store}`,
      );
  }
  if (raw.redis !== undefined) {
    const redis = validateRedis(raw.redis);
    for (const { severity, message } of redis.problems) topLevel(severity, 'redis', message);
    if (redis.config !== undefined) config.redis = redis.config;
  }
  if (raw.tokens !== undefined) {
    const result = validateTokens(raw.tokens, 'file');
    config.tokens = result.tokens;
    problems.push(...result.problems);
  }
  for (const field of Object.keys(raw)) {
    if (!topLevelFields.has(field) && !ignoredTopLevelFields.has(field))
      topLevel('warning', field, `unknown top-level field ${JSON.stringify(field)} is ignored`);
  }
  return { config, problems };
}

const redisFields = new Set(['url', 'cluster', 'sentinel', 'keyEnv', 'prefix']);

/**
 * Validates the `redis` field. Any error turns team mode off (each agent then refreshes on its own
 * machine) with one problem saying why. Redis URLs often carry a password, so no URL is ever echoed.
 */
export function validateRedis(raw: unknown): {
  config?: RedisConfig;
  problems: Pick<Problem, 'severity' | 'message'>[];
} {
  const off = (message: string) => ({
    problems: [{ severity: 'error' as const, message: `${message}; team mode is off` }],
  });
  if (typeof raw === 'string')
    return isRedisUrl(raw)
      ? { config: raw, problems: [] }
      : off('"redis" must be a redis:// or rediss:// URL');
  if (!isRecord(raw))
    return off(
      `"redis" must be a redis:// or rediss:// URL or an object with "url", "cluster" or "sentinel", got ${describeType(raw)}`,
    );
  const problems: Pick<Problem, 'severity' | 'message'>[] = [];
  for (const field of Object.keys(raw)) {
    if (!redisFields.has(field))
      problems.push({ severity: 'warning', message: `unknown field "redis.${field}" is ignored` });
  }
  const targets = ['url', 'cluster', 'sentinel'].filter((field) => raw[field] !== undefined);
  if (targets.length !== 1)
    return off(`"redis" needs exactly one of "url", "cluster" and "sentinel", got ${targets.length}`);
  const config: RedisTeamConfig = {};
  if (raw.url !== undefined) {
    if (typeof raw.url !== 'string' || !isRedisUrl(raw.url))
      return off('"redis.url" must be a redis:// or rediss:// URL');
    config.url = raw.url;
  }
  if (raw.cluster !== undefined) {
    if (!isUrlList(raw.cluster))
      return off('"redis.cluster" must be a non-empty array of redis:// or rediss:// URLs');
    config.cluster = [...raw.cluster];
  }
  if (raw.sentinel !== undefined) {
    const sentinel = raw.sentinel;
    if (!isRecord(sentinel) || typeof sentinel.name !== 'string' || sentinel.name === '')
      return off('"redis.sentinel" must be an object with a non-empty "name" (the master\'s) and "nodes"');
    if (!isUrlList(sentinel.nodes))
      return off('"redis.sentinel.nodes" must be a non-empty array of redis:// or rediss:// URLs');
    config.sentinel = { name: sentinel.name, nodes: [...sentinel.nodes] };
  }
  if (raw.keyEnv !== undefined) {
    if (typeof raw.keyEnv !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]{0,127}$/.test(raw.keyEnv))
      return off(`"redis.keyEnv" must be an environment variable name, got ${show(raw.keyEnv)}`);
    config.keyEnv = raw.keyEnv;
  }
  if (raw.prefix !== undefined) {
    // Braces would change which part of a key Redis Cluster hashes.
    if (typeof raw.prefix !== 'string' || !/^[A-Za-z0-9._:-]{1,64}$/.test(raw.prefix))
      return off(
        `"redis.prefix" must be 1 to 64 letters, digits, '.', '_', ':' or '-', got ${show(raw.prefix)}`,
      );
    config.prefix = raw.prefix;
  }
  return { config, problems };
}

function isRedisUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const { protocol, hostname } = new URL(value);
  return (protocol === 'redis:' || protocol === 'rediss:') && hostname !== '';
}

function isUrlList(value: unknown): value is string[] {
  return (
    Array.isArray(value) &&
    value.length > 0 &&
    value.every((item) => typeof item === 'string' && isRedisUrl(item))
  );
}

/**
 * Validates a `tokens` array from either source. Names must be unique within it: a later entry that
 * reuses a name is disabled, the first one stays.
 */
export function validateTokens(
  raw: unknown,
  source: ConfigSource,
): { tokens: TokenDefinition[]; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!Array.isArray(raw)) {
    problems.push({
      severity: 'error',
      source,
      field: 'tokens',
      message: `${source === 'settings' ? 'settings ' : ''}"tokens" must be an array, got ${show(raw)}`,
    });
    return { tokens: [], problems };
  }
  const tokens: TokenDefinition[] = [];
  const firstIndexByName = new Map<string, number>();
  raw.forEach((entry: unknown, index) => {
    const token = validateToken(entry, index, source, problems);
    if (token === undefined) return;
    const first = firstIndexByName.get(token.name);
    if (first !== undefined) {
      problems.push({
        severity: 'error',
        source,
        token: token.name,
        index,
        field: 'name',
        message: `${label(source, index, token.name)} (tokens[${index}]): "name" is already used by tokens[${first}]; this entry is disabled`,
      });
      return;
    }
    firstIndexByName.set(token.name, index);
    tokens.push(token);
  });
  return { tokens, problems };
}

/**
 * Adds the tokens defined in VS Code settings (raw, as read from the settings) to the file's tokens.
 * On a name clash the file wins: workspace settings can come with a cloned repository, and letting
 * them redefine a token would let that repository send your refresh token to an endpoint of its own.
 */
export function mergeConfigs(fileConfig: AgentConfig, settingsTokens: unknown): ConfigResult {
  const { tokens, problems } = validateTokens(settingsTokens, 'settings');
  const fileNames = new Set(fileConfig.tokens.map((token) => token.name));
  const added: TokenDefinition[] = [];
  for (const token of tokens) {
    if (fileNames.has(token.name)) {
      problems.push({
        severity: 'warning',
        source: 'settings',
        token: token.name,
        field: 'name',
        message: `settings token '${token.name}' is ignored: the config file defines a token with the same name, and the file wins`,
      });
    } else {
      added.push(token);
    }
  }
  return { config: { ...fileConfig, tokens: [...fileConfig.tokens, ...added] }, problems };
}

function validateToken(
  raw: unknown,
  index: number,
  source: ConfigSource,
  problems: Problem[],
): TokenDefinition | undefined {
  if (!isRecord(raw)) {
    problems.push({
      severity: 'error',
      source,
      index,
      message: `${label(source, index)} must be an object, got ${show(raw)}`,
    });
    return undefined;
  }
  const name = typeof raw.name === 'string' && namePattern.test(raw.name) ? raw.name : undefined;
  const where = label(source, index, name);
  let valid = true;
  const report = (severity: Problem['severity'], field: string, message: string) => {
    if (severity === 'error') valid = false;
    problems.push({
      severity,
      source,
      index,
      field,
      message: `${where}: ${message}`,
      ...(name !== undefined && { token: name }),
    });
  };

  if (raw.name === undefined) report('error', 'name', '"name" is required');
  else if (name === undefined)
    report('error', 'name', `"name" must be 1 to 64 letters, digits, '.', '_' or '-', got ${show(raw.name)}`);

  const type = isOneOf(raw.type, tokenTypes) ? raw.type : undefined;
  if (raw.type === undefined) report('error', 'type', `"type" is required: one of ${tokenTypes.join(', ')}`);
  else if (type === undefined)
    report('error', 'type', `"type" must be one of ${tokenTypes.join(', ')}, got ${show(raw.type)}`);

  const refreshBeforeSeconds = integerField(
    raw,
    'refreshBeforeSeconds',
    configDefaults.refreshBeforeSeconds,
    report,
  );
  const consumers = consumerFields(raw, report);
  // Without a type the remaining fields cannot be judged; the type problem already explains it.
  if (type === undefined) return undefined;
  // An entry with a bad name is still checked through, so that one round of edits fixes everything.
  const tokenName = name ?? '';
  for (const field of Object.keys(raw)) {
    if (fieldsByType[type].includes(field)) continue;
    if (secretLookingField.test(field))
      report(
        'warning',
        field,
        `${JSON.stringify(field)} is ignored: secrets belong in the secret store, not in the config`,
      );
    else if (knownTokenFields.has(field))
      report('warning', field, `${JSON.stringify(field)} is not used by type '${type}' and is ignored`);
    else report('warning', field, `unknown field ${JSON.stringify(field)} is ignored`);
  }

  let token: TokenDefinition | undefined;
  switch (type) {
    case 'oauth2-refresh-token':
    case 'oauth2-client-credentials': {
      const clientId = requiredString(raw, 'clientId', report);
      const endpoint = oauth2Endpoint(raw, report);
      const scope = optionalScope(raw, report);
      const resource = optionalResource(raw, report);
      const refreshBudgetPerHour = integerField(
        raw,
        'refreshBudgetPerHour',
        configDefaults.refreshBudgetPerHour,
        report,
      );
      const lifetimeSeconds = optionalInteger(raw, 'lifetimeSeconds', report);
      if (clientId !== undefined && endpoint !== undefined)
        token = {
          type,
          name: tokenName,
          ...endpoint,
          clientId,
          ...(scope !== undefined && { scope }),
          ...(resource !== undefined && { resource }),
          refreshBeforeSeconds,
          refreshBudgetPerHour,
          ...(lifetimeSeconds !== undefined && { lifetimeSeconds }),
          ...consumers,
        };
      break;
    }
    case 'command': {
      const command = commandField(raw, report);
      const timeoutSeconds = integerField(
        raw,
        'timeoutSeconds',
        configDefaults.commandTimeoutSeconds,
        report,
      );
      const refreshBudgetPerHour = integerField(
        raw,
        'refreshBudgetPerHour',
        configDefaults.refreshBudgetPerHour,
        report,
      );
      const lifetimeSeconds = optionalInteger(raw, 'lifetimeSeconds', report);
      const output = commandFields(raw, report);
      if (command !== undefined)
        token = {
          type,
          name: tokenName,
          command,
          timeoutSeconds,
          refreshBeforeSeconds,
          refreshBudgetPerHour,
          ...(lifetimeSeconds !== undefined && { lifetimeSeconds }),
          ...output,
          ...consumers,
        };
      break;
    }
    case 'static':
      token = { type, name: tokenName, refreshBeforeSeconds, ...consumers };
      break;
  }
  return valid ? token : undefined;
}

/** An integer field with no default: absent stays absent. */
function optionalInteger(
  raw: Record<string, unknown>,
  field: keyof typeof limits,
  report: Report,
): number | undefined {
  if (raw[field] === undefined) return undefined;
  const value = integerField(raw, field, Number.NaN, report);
  return Number.isNaN(value) ? undefined : value;
}

function integerField(
  raw: Record<string, unknown>,
  field: keyof typeof limits,
  fallback: number,
  report: Report,
): number {
  const value = raw[field];
  if (value === undefined) return fallback;
  const { min, max } = limits[field];
  if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
  report('error', field, `"${field}" must be an integer from ${min} to ${max}, got ${show(value)}`);
  return fallback;
}

function emptyConfig(): AgentConfig {
  return { store: configDefaults.store, tokens: [] };
}

function label(source: ConfigSource, index: number, name?: string): string {
  const prefix = source === 'settings' ? 'settings ' : '';
  return name === undefined ? `${prefix}tokens[${index}]` : `${prefix}token '${name}'`;
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

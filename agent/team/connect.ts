// Opens the team's Redis from the config: one node, a Cluster or a Sentinel group, with ioredis. Two
// connections: one for commands, one for pub/sub (a subscribed connection can do nothing else).
// Commands fail fast while Redis is unreachable (no offline queue, a command timeout): the engine
// then works on its own, and ioredis keeps reconnecting in the background.
import { Cluster, type ClusterNode, Redis, type RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config/types';
import { scripts, type TeamScripts } from './scripts';

export type TeamClient = (Redis | Cluster) & TeamScripts;

export interface TeamConnection {
  commands: TeamClient;
  subscriber: Redis | Cluster;
  /** Where it connects, without credentials, for the status and the log. */
  describe: string;
}

export interface ConnectOptions {
  /** How long one command may take before it counts as a failure (and the team as unreachable). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
}

export function connectTeam(config: RedisConfig, options: ConnectOptions = {}): TeamConnection {
  const { commandTimeoutMs = 2000, connectTimeoutMs = 2000 } = options;
  const common: RedisOptions = {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: connectTimeoutMs,
    // Reconnect quickly and forever: rejoining the team by itself is the point.
    retryStrategy: (times) => Math.min(100 * times, 1000),
    scripts,
  };
  const target = typeof config === 'string' ? { url: config } : config;
  if (target.cluster) {
    const [first] = target.cluster;
    const nodes = target.cluster.map((url) => hostAndPort(url));
    const cluster = new Cluster(nodes satisfies ClusterNode[], {
      enableOfflineQueue: false,
      clusterRetryStrategy: (times) => Math.min(100 * times, 1000),
      scripts,
      redisOptions: {
        ...credentials(first),
        commandTimeout: commandTimeoutMs,
        connectTimeout: connectTimeoutMs,
      },
    });
    return {
      commands: cluster as TeamClient,
      subscriber: cluster.duplicate(),
      describe: `a Redis Cluster (${nodes.map((node) => `${node.host}:${node.port}`).join(', ')})`,
    };
  }
  if (target.sentinel) {
    const { name, nodes } = target.sentinel;
    const redis = new Redis({
      ...common,
      name,
      sentinels: nodes.map((url) => hostAndPort(url)),
      ...credentials(nodes[0]),
      ...(nodes.some((url) => url.startsWith('rediss:')) ? { enableTLSForSentinelMode: true } : {}),
    });
    return {
      commands: redis as TeamClient,
      subscriber: redis.duplicate(),
      describe: `Redis Sentinel master '${name}' (${nodes.map((url) => safeUrl(url)).join(', ')})`,
    };
  }
  const url = target.url ?? '';
  const redis = new Redis(url, common);
  return { commands: redis as TeamClient, subscriber: redis.duplicate(), describe: safeUrl(url) };
}

function hostAndPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname.replace(/^\[|\]$/g, ''), port: Number(parsed.port || 6379) };
}

/** The user name and password of a URL, and TLS for rediss:. */
function credentials(url: string | undefined): Partial<RedisOptions> {
  if (url === undefined) return {};
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/** A URL without its user name and password: safe to log. */
export function safeUrl(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.href.replace(/\/$/, '');
}

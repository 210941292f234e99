// The Lua scripts of team mode. Each runs atomically on the node that owns its keys (the keys of one
// token share a {hash tag}, so in a Cluster they live on one node). ioredis sends them with EVALSHA,
// falling back to EVAL once per connection.
//
// Keys of one token (keys.ts): `lock` (the refresh lock), `counter` (the fencing counter), `state` (a
// hash: the fence of the last accepted write, and the sealed refresh token) and `access` (the sealed
// access token, expiring a little before the token does).

/**
 * KEYS lock, counter; ARGV owner, ttl ms, channel. The new fence (> 0), or minus the ms the lock has
 * left. A lock taken is announced on the channel with its fence: a member that wrote last stops
 * counting itself the last writer (team/outage.ts) before Redis could go away during this refresh.
 */
const acquire = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  local fence = redis.call('INCR', KEYS[2])
  if fence == 1 then
    -- A new or emptied Redis: restart above every fence handed out before (Redis's clock in
    -- microseconds), so that a holder from before the loss still loses to every holder after it.
    local now = redis.call('TIME')
    fence = tonumber(now[1]) * 1000000 + tonumber(now[2])
    redis.call('SET', KEYS[2], string.format('%.0f', fence))
  end
  redis.call('PUBLISH', ARGV[3], string.format('{"t":"locked","fence":%.0f}', fence))
  return fence
end
local left = redis.call('PTTL', KEYS[1])
if left < 1 then left = 1 end
return -left
`;

/** KEYS lock; ARGV owner, ttl ms. 1 when the lock is still ours and now lasts ttl more, else 0. */
const extend = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
`;

/** KEYS lock; ARGV owner, channel, message (empty: none). Compare-and-delete: 1 when it was ours. */
const release = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if ARGV[3] ~= '' then redis.call('PUBLISH', ARGV[2], ARGV[3]) end
  return 1
end
return 0
`;

/**
 * KEYS state, access; ARGV fence, sealed access token, its ttl ms (0: do not cache), sealed refresh
 * token (empty: unchanged), channel, message. The fencing check: a write whose fence is not newer
 * than the last accepted one is refused (0), so a holder that was paused past its lock cannot
 * overwrite what a later holder wrote. Accepted (1): stored, then announced on the channel.
 */
const commit = `
local stored = tonumber(redis.call('HGET', KEYS[1], 'fence') or '0')
if tonumber(ARGV[1]) <= stored then return 0 end
redis.call('HSET', KEYS[1], 'fence', ARGV[1])
if ARGV[4] ~= '' then redis.call('HSET', KEYS[1], 'refresh', ARGV[4]) end
if tonumber(ARGV[3]) > 0 then
  redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
redis.call('PUBLISH', ARGV[5], ARGV[6])
return 1
`;

/**
 * KEYS access, state. One consistent read: {sealed access token, fence, sealed refresh token, keyed
 * digest of the refresh token the provider refused (revoked grant), or ''}.
 */
const read = `
local fields = redis.call('HMGET', KEYS[2], 'fence', 'refresh', 'refused')
return {redis.call('GET', KEYS[1]) or '', fields[1] or '0', fields[2] or '', fields[3] or ''}
`;

export const scripts = {
  teamAcquire: { lua: acquire, numberOfKeys: 2 },
  teamExtend: { lua: extend, numberOfKeys: 1 },
  teamRelease: { lua: release, numberOfKeys: 1 },
  teamCommit: { lua: commit, numberOfKeys: 2 },
  teamRead: { lua: read, numberOfKeys: 2 },
};

export interface TeamScripts {
  teamAcquire(lock: string, counter: string, owner: string, ttlMs: number, channel: string): Promise<number>;
  teamExtend(lock: string, owner: string, ttlMs: number): Promise<number>;
  teamRelease(lock: string, owner: string, channel: string, message: string): Promise<number>;
  teamCommit(
    state: string,
    access: string,
    fence: string,
    sealedAccess: string,
    ttlMs: number,
    sealedRefresh: string,
    channel: string,
    message: string,
  ): Promise<number>;
  teamRead(access: string, state: string): Promise<[string, string, string, string]>;
}

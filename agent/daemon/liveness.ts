// What a client says when the user agent holds its socket but answers nothing (a paused or stuck
// process: the kernel still accepts connections on its behalf): ERR_AGENT_UNAVAILABLE, naming the
// pid that holds the socket (found through /proc) and how to end it. The limits and the /healthz
// heartbeat that detect it live in heartbeat.ts, re-exported here.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { codes, TokenAgentError } from '../base/errors';

export {
  healthTimeoutMs,
  heartbeatEveryMs,
  heartbeatMisses,
  otherRequestMs,
  streamStartMs,
  tokenRequestMs,
  watchLiveness,
} from './heartbeat';

/** ERR_AGENT_UNAVAILABLE for an agent that holds the socket and did not answer in time. */
export class AgentWedged extends TokenAgentError {
  constructor(
    message: string,
    readonly pid: number | undefined,
  ) {
    super(codes.agentUnavailable, message);
  }
}

/**
 * The error for a request that got no answer: `wedged` when /healthz went unanswered too (the agent
 * is paused or stuck), otherwise only this request outlived its limit. Says how to fix it. Pure.
 */
export function noAnswerError(inputs: {
  socketPath: string;
  pid: number | undefined;
  waitedMs: number;
  wedged: boolean;
}): AgentWedged {
  const { socketPath, pid, waitedMs, wedged } = inputs;
  const who = pid === undefined ? 'the token agent' : `the token agent (pid ${pid})`;
  const seconds = Math.max(1, Math.round(waitedMs / 1000));
  const what = wedged
    ? `${who} holds ${socketPath} but did not answer in ${seconds} s (paused or stuck)`
    : `${who} did not answer this request within its ${seconds} s limit`;
  const fix =
    pid === undefined
      ? `stop the process listening there (ss -xlp src ${socketPath} names it) and run the command again`
      : `run 'kill ${pid}' (or 'kill -9 ${pid}' if it is still there after 45 s), then run the command again: it starts a new agent`;
  return new AgentWedged(`${what}; ${fix}`, pid);
}

/**
 * The pid of the process listening on a Unix socket path, when this user may see it: Linux lists
 * listening sockets with their inode in /proc/net/unix, and each process's descriptors in
 * /proc/PID/fd. Undefined elsewhere or when not found (the error then says how to find it).
 */
export async function socketHolder(socketPath: string): Promise<number | undefined> {
  if (process.platform !== 'linux') return undefined;
  const inodes = listeningInodes(await readFile('/proc/net/unix', 'utf8').catch(() => ''), socketPath);
  if (inodes.size === 0) return undefined;
  for (const entry of await readdir('/proc').catch((): string[] => [])) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const fds = await readdir(`/proc/${entry}/fd`).catch((): string[] => []);
    for (const fd of fds) {
      const target = await readlink(`/proc/${entry}/fd/${fd}`).catch(() => '');
      const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
      if (inode !== undefined && inodes.has(inode)) return Number(entry);
    }
  }
  return undefined;
}

/**
 * The inodes of listening sockets bound to `socketPath` in a /proc/net/unix table. Pure. Columns:
 * Num RefCount Protocol Flags Type St Inode Path; a listening socket has __SO_ACCEPTCON (0x10000) in
 * its flags (accepted connections carry the same path, without that flag).
 */
export function listeningInodes(table: string, socketPath: string): Set<string> {
  const inodes = new Set<string>();
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8 || fields.slice(7).join(' ') !== socketPath) continue;
    if ((Number.parseInt(fields[3] ?? '0', 16) & 0x10000) === 0) continue;
    inodes.add(fields[6] as string);
  }
  return inodes;
}

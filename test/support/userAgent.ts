// The user agent (`token-agent agent`) a workspace's CLI clients start on demand: where it listens,
// its pid from /healthz, its status, waiting for it to be gone, and killing whatever a test left
// running. The agent is detached (its own session, reparented away from the test), so it is found
// by its socket and by /proc, never as a child of the test process.
import { readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AgentClient } from '../../agent/daemon/client';
import { type AgentPaths, agentPaths } from '../../agent/daemon/paths';
import type { AgentStatus, TokenState } from '../../agent/protocol';
import type { AgentWorkspace } from './agentCli';
import { nextEvent, waitUntil } from './waitFor';

/** The agent's socket and log for this workspace: what its CLI clients compute, with its environment. */
export function pathsOf(workspace: AgentWorkspace): AgentPaths {
  return agentPaths({
    platform: process.platform,
    env: { ...process.env, ...workspace.env },
    configFlag: workspace.configPath,
  });
}

export function clientOf(workspace: AgentWorkspace): AgentClient {
  return new AgentClient(pathsOf(workspace).socketPath);
}

/** The pid /healthz answers with, or undefined when no agent answers (absent, or stopping). */
export async function agentPid(workspace: AgentWorkspace): Promise<number | undefined> {
  try {
    const health = await clientOf(workspace).health(2_000);
    return health.status === 'ok' ? health.pid : undefined;
  } catch {
    return undefined;
  }
}

/** Waits until an agent answers /healthz for this workspace; its pid. */
export function waitForAgent(workspace: AgentWorkspace, timeoutMs = 20_000): Promise<number> {
  return nextEvent(() => agentPid(workspace), 'the user agent to answer /healthz', timeoutMs);
}

export async function agentStatus(workspace: AgentWorkspace): Promise<AgentStatus> {
  return clientOf(workspace).status();
}

export async function tokenState(workspace: AgentWorkspace, name: string): Promise<TokenState> {
  const state = (await agentStatus(workspace)).tokens.find((token) => token.name === name);
  if (!state) throw new Error(`the agent's status has no token '${name}'`);
  return state;
}

/** The agent's own log (stdout and stderr of the detached process), for failure messages. */
export async function agentLog(workspace: AgentWorkspace): Promise<string> {
  return readFile(pathsOf(workspace).logPath, 'utf8').catch(() => '(no agent log)');
}

/**
 * Whether a process is gone. A detached agent is reparented to pid 1, which may not reap it: a zombie
 * (state Z or X in /proc/PID/stat) has exited, and counts as gone.
 */
export async function processGone(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
  return zombie(await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined));
}

export function waitGone(pid: number, what = `process ${pid} to exit`, timeoutMs = 15_000): Promise<void> {
  return waitUntil(() => processGone(pid), what, timeoutMs);
}

/** Live processes (not zombies) whose command line has ` agent --config CONFIG`: the workspace's agents. */
export async function agentProcesses(configPath: string): Promise<number[]> {
  const needle = ` agent --config ${configPath}`;
  const pids: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const words = cmdline.split('\0').filter((word) => word !== '');
    if (!` ${words.join(' ')}`.includes(needle)) continue;
    const pid = Number(entry);
    if (!(await processGone(pid))) pids.push(pid);
  }
  return pids;
}

/** SIGTERMs the workspace's agent (the pid /healthz gives) and waits until it has exited. */
export async function stopAgent(workspace: AgentWorkspace, timeoutMs = 45_000): Promise<number | undefined> {
  const pid = await agentPid(workspace);
  if (pid === undefined) return undefined;
  process.kill(pid, 'SIGTERM');
  await waitGone(pid, `the agent (pid ${pid}) to stop after SIGTERM`, timeoutMs);
  return pid;
}

/**
 * Ends every agent still running for these workspaces: SIGTERM, then SIGKILL after `graceMs`, and
 * removes their sockets (an agent whose socket is gone stops by itself within ~5 s). For `after` hooks:
 * it never throws.
 */
export async function killLeftoverAgents(
  workspaces: readonly AgentWorkspace[],
  graceMs = 10_000,
): Promise<void> {
  for (const workspace of workspaces) {
    try {
      const pids = new Set(await agentProcesses(workspace.configPath));
      const answering = await agentPid(workspace);
      if (answering !== undefined) pids.add(answering);
      for (const pid of pids) signal(pid, 'SIGTERM');
      const deadline = Date.now() + graceMs;
      for (const pid of pids) {
        await waitUntil(
          () => processGone(pid),
          `agent ${pid} to stop`,
          Math.max(0, deadline - Date.now()),
        ).catch(() => signal(pid, 'SIGKILL'));
      }
      await unlink(pathsOf(workspace).socketPath).catch(() => undefined);
    } catch (error) {
      console.error(`could not clean up the agent of ${workspace.configPath}: ${(error as Error).message}`);
    }
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Whether /proc/PID/stat says the process has exited (or is gone); the state follows the command
 *  name, which is in parentheses and may itself hold spaces. */
function zombie(stat: string | undefined): boolean {
  if (stat === undefined) return true;
  const at = stat.lastIndexOf(')') + 2;
  const state = stat.slice(at, at + 1);
  return state === 'Z' || state === 'X';
}

/**
 * A script to preload (`node -r`) into a CLI process: at exit it writes to $PROBE_OUT whether the full
 * CLI (agent-main.js) was loaded, the evidence that the small entry point answered by itself.
 */
export async function writeFullCliProbe(dir: string): Promise<string> {
  const probe = join(dir, 'probe.cjs');
  await writeFile(
    probe,
    `process.on('exit', () => require('node:fs').writeFileSync(process.env.PROBE_OUT,
      String(Object.keys(require.cache).some((file) => file.endsWith('agent-main.js')))));\n`,
  );
  return probe;
}

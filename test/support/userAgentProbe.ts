// Looking at the one user agent from outside, as an operator would: where its socket is, what
// `GET /healthz` says on it, which processes on the machine run it, and whether it has ended. Also a
// screenshot kept at the end of an e2e step whether it passed or not. (For test/e2e/user-agent.test.ts.)
import { mkdirSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import type { Health } from '../../agent/daemon/api';
import { agentPaths } from '../../agent/daemon/paths';

/** The socket and config file of the agent that a client started with `env` talks to. */
export function userAgentPaths(env: NodeJS.ProcessEnv): { socketPath: string; configPath: string } {
  const { socketPath, configPath } = agentPaths({
    platform: process.platform,
    env: { ...process.env, ...env },
  });
  return { socketPath, configPath };
}

/** `GET /healthz` on the agent's Unix socket, over plain HTTP as curl would send it. */
export function agentHealth(socketPath: string, timeoutMs = 2_000): Promise<Health> {
  return new Promise((settle, fail) => {
    const req = request(
      { socketPath, path: '/healthz', method: 'GET', headers: { host: 'localhost' }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => {
          try {
            settle(JSON.parse(body) as Health);
          } catch {
            fail(new Error(`/healthz answered ${res.statusCode} with no JSON: ${body.slice(0, 200)}`));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`/healthz did not answer within ${timeoutMs} ms`)));
    req.on('error', fail);
    req.end();
  });
}

/**
 * Every live process on the machine that runs the user agent (`…/agent.js agent`, or its older name
 * `serve`) for CONFIG: named by `--config`, else by the TOKEN_AGENT_CONFIG it was started with (a
 * client passes on the config flag it had itself, or none). Read from /proc.
 */
export function agentProcessesFor(configPath: string): { pid: number; argv: string[] }[] {
  const found: { pid: number; argv: string[] }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = (readOrUndefined(`/proc/${entry}/cmdline`) ?? '').split('\0').filter(Boolean);
    // The command is the word after the bundle: `node …/dist/agent.js agent [--config FILE]`.
    const bundle = argv.findIndex((arg) => arg.endsWith('agent.js'));
    if (bundle === -1 || !['agent', 'serve'].includes(argv[bundle + 1] ?? '')) continue;
    const flag = argv.indexOf('--config', bundle);
    const config =
      flag === -1
        ? (readOrUndefined(`/proc/${entry}/environ`) ?? '')
            .split('\0')
            .find((line) => line.startsWith('TOKEN_AGENT_CONFIG='))
            ?.slice('TOKEN_AGENT_CONFIG='.length)
        : argv[flag + 1];
    if (config === undefined || resolve(cwdOf(entry), config) !== configPath) continue;
    if (isRunning(Number(entry))) found.push({ pid: Number(entry), argv });
  }
  return found;
}

/** Whether `pid` is a live process. A detached agent is reparented away; a zombie has ended. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  // The state follows the command name, which is in parentheses and may hold spaces.
  const state = stat.slice(stat.lastIndexOf(')') + 2).charAt(0);
  return state !== 'Z' && state !== 'X';
}

/** Waits until `pid` has ended; false when it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await delay(100);
  }
  return true;
}

/** A screenshot of the step as it ended, test-results/SUITE/NAME.png, whether the step passed or not. */
export async function keepScreenshot(page: Page, suite: string, name: string): Promise<string> {
  const dir = join('test-results', suite);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path });
  return path;
}

function readOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function cwdOf(pid: string): string {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return '/';
  }
}

// The `get` the small entry point (fast/main.ts) answers by itself. Pure: which command lines it takes,
// and what it prints for which answer of the agent. Anything it does not recognise exactly is left to
// the full CLI, so a usage error, an auto-start or an unusual answer reads the same as ever.
import { codes } from '../base/errors';
import { parseFastCommand } from './fastArgs';

export interface FastGet {
  name: string;
  minValidSeconds: number;
  configFlag?: string;
}

/** What the full CLI prints for this answer, or undefined when the full CLI must handle it. */
export interface FastOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `get NAME [--min-valid S] [--config FILE]` (fastArgs.ts); undefined for anything else. */
export function parseFastGet(argv: readonly string[], env: NodeJS.ProcessEnv): FastGet | undefined {
  const command = parseFastCommand(argv, env);
  if (command?.kind !== 'get') return undefined;
  const { name, minValidSeconds, configFlag } = command;
  return { name, minValidSeconds, ...(configFlag !== undefined ? { configFlag } : {}) };
}

/**
 * The output for the agent's answer to `GET /v1/tokens/NAME`: the token alone on stdout, or the coded
 * line cli/run.ts's fail() prints. Undefined (let the full CLI ask again) for anything else: an agent
 * that is stopping (the full CLI waits for the next one), an answer without JSON, a token that lives
 * less than asked (the full CLI words that warning).
 */
export function fastOutput(status: number, text: string): FastOutput | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  if (status === 200) {
    const answer = body as { access_token?: unknown; short_of_min_valid?: unknown };
    if (typeof answer.access_token !== 'string' || answer.access_token === '') return undefined;
    if (answer.short_of_min_valid !== undefined) return undefined;
    return { stdout: `${answer.access_token}\n`, stderr: '', exitCode: 0 };
  }
  if (status < 400) return undefined;
  const failure = (body as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof failure?.code !== 'string' || typeof failure.message !== 'string') return undefined;
  if (failure.code === codes.agentStopping) return undefined;
  return { stdout: '', stderr: `token-agent: ${failure.code}: ${failure.message}\n`, exitCode: 1 };
}

/** Whether /healthz says this agent serves the config file asked for and takes requests. */
export function healthy(status: number, text: string, configPath: string): boolean {
  if (status !== 200) return false;
  try {
    const health = JSON.parse(text) as { status?: unknown; configPath?: unknown };
    return health.status === 'ok' && health.configPath === configPath;
  } catch {
    return false;
  }
}

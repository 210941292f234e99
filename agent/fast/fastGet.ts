// The `get` the small entry point (fast/main.ts) answers by itself. Pure: which command lines it takes,
// and what it prints for which answer of the agent. Anything it does not recognise exactly is left to
// the full CLI, so a usage error, an auto-start or an unusual answer reads the same as ever.
import { codes } from '../base/errors';

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

// A token name as the agent's routes accept it (daemon/api.ts namePattern), and nothing that
// parseArgs would read as an option.
const namePattern = /^[A-Za-z0-9._@][A-Za-z0-9._@-]{0,63}$/;

/**
 * `get NAME [--min-valid S] [--config FILE]`, in any order, with `--flag value` or `--flag=value`;
 * undefined for anything else (another command, --no-agent, -h, a repeated or unknown flag, `--`).
 * Accepts a subset of what cli/args.ts accepts and reads it the same way (a unit test compares them).
 */
export function parseFastGet(argv: readonly string[], env: NodeJS.ProcessEnv): FastGet | undefined {
  // --no-agent by the environment: the engine runs in process, which only the full CLI can do.
  if (env.TOKEN_AGENT_NO_AGENT === '1') return undefined;
  const positionals: string[] = [];
  let minValid: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    if (flag !== '--min-valid' && flag !== '--config') return undefined;
    let value: string | undefined;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      // parseArgs refuses a value that looks like an option; the full CLI says so.
      if (value === undefined || value.startsWith('-')) return undefined;
      i++;
    }
    if (flag === '--min-valid') {
      if (minValid !== undefined) return undefined;
      minValid = value;
    } else {
      if (config !== undefined) return undefined;
      config = value;
    }
  }
  const [command, name, ...extra] = positionals;
  if (command !== 'get' || name === undefined || extra.length > 0 || !namePattern.test(name))
    return undefined;
  const minValidSeconds = minValid === undefined ? 0 : Number(minValid);
  if (!/^\d{1,5}$/.test(minValid ?? '0') || minValidSeconds > 86_400) return undefined;
  // An empty --config is no config flag to the full CLI (cli/run.ts passes it on only when set).
  return { name, minValidSeconds, ...(config ? { configFlag: config } : {}) };
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

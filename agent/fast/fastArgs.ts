// Which command lines the small entry point (fast/main.ts) answers by itself: `get NAME`, `git-credential
// get`, `kube-credential NAME` and `docker-credential get`, with `--min-valid S` and `--config FILE`.
// Pure. Anything it does not recognise exactly is left to the full CLI, so a usage error, another
// action, or an unusual flag reads the same as ever. Accepts a subset of what cli/args.ts accepts and
// reads it the same way (a unit test compares them).
import { helperMinValidSeconds } from '../helpers/answer';

export type FastCommand =
  | { kind: 'get' | 'kube-credential'; name: string; minValidSeconds: number; configFlag?: string }
  | { kind: 'git-credential' | 'docker-credential'; minValidSeconds: number; configFlag?: string };

// A token name as the agent's routes accept it (daemon/api.ts namePattern), and nothing that
// parseArgs would read as an option.
const namePattern = /^[A-Za-z0-9._@][A-Za-z0-9._@-]{0,63}$/;

/**
 * The command, in any order of its flags, with `--flag value` or `--flag=value`; undefined for
 * anything else (another command or action, --no-agent, -h, a repeated or unknown flag, `--`).
 */
export function parseFastCommand(argv: readonly string[], env: NodeJS.ProcessEnv): FastCommand | undefined {
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
  const [command, operand, ...extra] = positionals;
  if (operand === undefined || extra.length > 0) return undefined;
  if (minValid !== undefined && (!/^\d{1,5}$/.test(minValid) || Number(minValid) > 86_400)) return undefined;
  const seconds = (fallback: number) => (minValid === undefined ? fallback : Number(minValid));
  // An empty --config is no config flag to the full CLI (cli/run.ts passes it on only when set).
  const flags = config ? { configFlag: config } : {};
  switch (command) {
    case 'get':
      if (!namePattern.test(operand)) return undefined;
      return { kind: 'get', name: operand, minValidSeconds: seconds(0), ...flags };
    case 'kube-credential':
      if (!namePattern.test(operand)) return undefined;
      return { kind: command, name: operand, minValidSeconds: seconds(helperMinValidSeconds), ...flags };
    case 'git-credential':
    case 'docker-credential':
      // `store`, `erase`, `list` change or list things: the full CLI's.
      if (operand !== 'get') return undefined;
      return { kind: command, minValidSeconds: seconds(helperMinValidSeconds), ...flags };
    default:
      return undefined;
  }
}

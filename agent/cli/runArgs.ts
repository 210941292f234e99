// `token-agent run [--env VAR=NAME]… [--file VAR=NAME]… [--min-valid S] [--no-mask] -- PROGRAM ARGS…`.
// Pure: the command line in, a typed command or a usage error out. Parsed by hand rather than with
// parseArgs, because everything after `--` (or after the program's name) belongs to the program.

export interface TokenBinding {
  /** The environment variable the child reads: the token itself (--env) or its file's path (--file). */
  variable: string;
  /** The token's name in the agent's config. */
  name: string;
}

export interface RunCommand {
  kind: 'run';
  env: TokenBinding[];
  files: TokenBinding[];
  minValidSeconds: number;
  /** False with --no-mask: the child's output passes through untouched. */
  mask: boolean;
  program: string;
  args: string[];
  config?: string;
}

export type RunParse = RunCommand | { kind: 'help' } | { kind: 'usage-error'; message: string };

export const runUsage = `  run [--env VAR=NAME]… [--file VAR=NAME]… [--min-valid S] [--no-mask] -- PROGRAM [ARGS…]
                                   Run PROGRAM with tokens: --env puts NAME's token in VAR; --file
                                   keeps it in a private 0600 file, replaced on every refresh while
                                   PROGRAM runs, and puts the file's path in VAR. Token values in its
                                   output are masked unless --no-mask. Exits with PROGRAM's status.
`;

const variablePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;
// daemon/api.ts namePattern.
const namePattern = /^[A-Za-z0-9._@-]{1,64}$/;

export function parseRunArgs(argv: readonly string[]): RunParse {
  const command: RunCommand = {
    kind: 'run',
    env: [],
    files: [],
    minValidSeconds: 0,
    mask: true,
    program: '',
    args: [],
  };
  const usage = (message: string) => ({ kind: 'usage-error' as const, message });
  let minValid: string | undefined;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    if (!arg.startsWith('-')) break;
    if (arg === '-h' || arg === '--help') return { kind: 'help' };
    if (arg === '--no-mask') {
      command.mask = false;
      continue;
    }
    if (arg === '--no-agent')
      return usage(
        "'run' needs the user agent, which keeps --file tokens fresh while the program runs; it cannot run with --no-agent.",
      );
    const eq = arg.indexOf('=');
    const flag = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!['--env', '--file', '--min-valid', '--config'].includes(flag))
      return usage(`'run' does not know the option '${arg}'. Put the program after '--'.`);
    const value = eq > 0 && flag !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return usage(`${flag} needs a value.`);
    if (flag === '--min-valid') minValid = value;
    else if (flag === '--config') command.config = value;
    else {
      const binding = parseBinding(value);
      if (typeof binding === 'string') return usage(`${flag} ${binding}`);
      (flag === '--env' ? command.env : command.files).push(binding);
    }
  }
  const [program, ...args] = argv.slice(i);
  if (program === undefined || program === '')
    return usage("'run' needs a program: token-agent run --env TOKEN=api -- PROGRAM [ARGS…]");
  if (command.env.length + command.files.length === 0)
    return usage("'run' needs at least one --env VAR=NAME or --file VAR=NAME.");
  const variables = [...command.env, ...command.files].map((binding) => binding.variable);
  const twice = variables.find((variable, index) => variables.indexOf(variable) !== index);
  if (twice) return usage(`the variable ${twice} is given twice.`);
  if (minValid !== undefined) {
    const seconds = Number(minValid);
    if (!/^\d{1,5}$/.test(minValid) || seconds > 86_400)
      return usage(`--min-valid takes whole seconds from 0 to 86400, got '${minValid}'.`);
    command.minValidSeconds = seconds;
  }
  return { ...command, program, args };
}

/** `VAR=NAME`, or why not. */
function parseBinding(value: string): TokenBinding | string {
  const eq = value.indexOf('=');
  const variable = value.slice(0, eq);
  const name = value.slice(eq + 1);
  if (eq < 0 || !variablePattern.test(variable))
    return `takes VAR=NAME with VAR a variable name (letters, digits, '_'), got '${value}'.`;
  if (!namePattern.test(name))
    return `takes VAR=NAME with NAME a token name (letters, digits, '.', '_', '@', '-'), got '${value}'.`;
  return { variable, name };
}

// Parses the command line into a typed command. Pure: no I/O, so every path is unit-tested.
import { parseArgs } from 'node:util';
import { type ListenSpec, parseListen } from '../daemon/listen';
import { helperMinValidSeconds } from '../helpers/source';
import type { SignInFlow } from '../protocol';
import { parseRunArgs, type RunCommand, runUsage } from './runArgs';
import { parseScanArgs, type ScanCommand } from './scan';
import { parseTokenCommand, type TokenCommand, tokenUsage } from './tokenCommands';

export const secretKindNames = ['refresh_token', 'client_secret', 'access_token', 'static_token'] as const;
export type SecretKindName = (typeof secretKindNames)[number];

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'lsp' }
  | ({ kind: 'get'; name: string; minValidSeconds: number } & ClientFlags)
  | ({ kind: 'status'; json: boolean } & ClientFlags)
  | StatusCheckCommand
  | HelperCommand
  | ({ kind: 'refresh'; name: string } & ClientFlags)
  | ({ kind: 'secret-set'; name: string; secret: SecretKindName } & ClientFlags)
  | ({ kind: 'secret-delete'; name: string; secret?: SecretKindName } & ClientFlags)
  | { kind: 'agent'; listen: ListenSpec[]; printSecret: boolean; config?: string }
  | LoginCommand
  | Exclude<TokenCommand, { kind: 'help' }>
  | { kind: 'scan'; scan: ScanCommand }
  | RunCommand
  | { kind: 'usage-error'; message: string };

/** `token-agent login NAME`: see login.ts. */
export interface LoginCommand {
  kind: 'login';
  name: string;
  flow: SignInFlow;
  /** False with --no-browser: print the URL only. */
  openBrowser: boolean;
  config?: string;
  /** --no-agent: sign in from this process instead of through the user agent. */
  noAgent?: boolean;
}

/** What every client command takes: the config file, and whether to skip the user agent. */
export interface ClientFlags {
  config?: string;
  /** --no-agent: run the engine in this process (containers, CI), with the lock file between processes. */
  noAgent?: boolean;
}

// The helpers' and `status NAME` commands (run by helperRun.ts and statusCheck.ts, which import these).
export type HelperCommand =
  | ({ kind: 'git-credential'; action: string; minValidSeconds: number } & ClientFlags)
  | ({ kind: 'kube-credential'; name: string; minValidSeconds: number } & ClientFlags)
  | ({ kind: 'docker-credential'; action: string; minValidSeconds: number } & ClientFlags);

export type StatusCheckCommand = {
  kind: 'status-check';
  name: string;
  minValidSeconds: number;
  verbose: boolean;
} & ClientFlags;

export const usage = `Usage: token-agent <command> [options]

Keeps short-lived access tokens fresh, in the OS secret store, and finds hard-coded ones.

Commands:
  get NAME [--min-valid SECONDS]   Print a valid access token for NAME, refreshing it first if needed.
  status [--json]                  List every token: state, expiry, next refresh, secret store, errors.
  status NAME [--min-valid S] [--verbose]
                                   Exit 0 if NAME's token is valid S more seconds, 1 if not, 2 on an
                                   error; prints nothing unless --verbose. Never refreshes.
  git-credential get|store|erase   git's credential helper: the token of the definition whose "urls"
                                   prefix matches the remote (README: git).
  kube-credential NAME             kubectl's exec credential plugin: an ExecCredential for NAME.
  docker-credential get|store|erase|list
                                   Docker's credential helper (also docker-credential-token-agent).
  refresh NAME                     Refresh NAME now.
  secret set NAME KIND             Store a secret read from stdin. KIND: ${secretKindNames.join(', ')}.
  secret delete NAME [KIND]        Delete one secret of NAME, or all of them.
  scan [PATH…] [--format text|json|sarif]
                                   Find hard-coded tokens and keys (exit 0 clean, 1 findings, 2 errors).
                                   '-' reads stdin; a unified diff on stdin is scanned as its added lines.
                                   --git [RANGE] scans what commits added; --write-baseline FILE accepts
                                   today's findings, .tokenagent-baseline.json hides them later.
  login NAME [--device]            Sign in through the browser (or with a device code) and keep the
                                   refresh token in the secret store. --no-browser only prints the URL.
  lsp --stdio | --node-ipc         Run as a language server (what the VS Code extension starts).
  agent [--listen ADDRESS]...      Run the user agent in the foreground (clients start it on demand
                                   otherwise). It alone refreshes, signs in and edits the config.
                                   ADDRESS: unix:PATH (default: $XDG_RUNTIME_DIR/token-agent/agent.sock)
                                   or 127.0.0.1:PORT (needs the bearer secret: agent --print-secret).
                                   'serve' is the same command.
${runUsage}${tokenUsage}
Options:
  --config FILE                    Config file (default: $TOKEN_AGENT_CONFIG, else
                                   $XDG_CONFIG_HOME/token-agent/config.json).
  --no-agent                       Do the work in this process instead of asking the user agent
                                   (containers and CI; also TOKEN_AGENT_NO_AGENT=1).
  -h, --help                       Show this help.
  -v, --version                    Print the version.

Example:
  curl -H "Authorization: Bearer $(token-agent get api --min-valid 60)" https://api.example.com/
`;

export function parseCommandLine(argv: readonly string[]): Command {
  // `scan` has options of its own (--format, paths that may look like flags after --).
  if (argv[0] === 'scan') return { kind: 'scan', scan: parseScanArgs(argv.slice(1)) };
  // `run` ends its own options at the program's name: what follows is the program's.
  if (argv[0] === 'run') return parseRunArgs(argv.slice(1));
  // `token add` passes a program's own arguments after `--`, and has flags of its own.
  if (argv[0] === 'token' || argv[0] === 'config') {
    const parsed = parseTokenCommand(argv);
    return parsed.kind === 'help' ? { kind: 'help' } : parsed;
  }
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const config = {
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values['no-agent'] ? { noAgent: true } : {}),
  };
  const [command, ...rest] = positionals;
  const extra = (allowed: number) =>
    rest.length > allowed ? `'${command}' got an unexpected argument '${rest[allowed]}'.` : undefined;
  switch (command) {
    case undefined:
      return { kind: 'help' };
    case 'lsp':
      // The transport flags are read by vscode-languageserver itself.
      if (!values.stdio && !values['node-ipc'] && values.socket === undefined) {
        return { kind: 'usage-error', message: "'lsp' needs a transport: --stdio or --node-ipc." };
      }
      if (rest.length > 0)
        return { kind: 'usage-error', message: `'lsp' takes no arguments, got '${rest[0]}'.` };
      return { kind: 'lsp' };
    case 'get': {
      const [name] = rest;
      if (!name) return { kind: 'usage-error', message: "'get' needs a token name: token-agent get NAME" };
      const tooMany = extra(1);
      if (tooMany) return { kind: 'usage-error', message: tooMany };
      const minValid = minValidOf(values['min-valid'], 0);
      if (typeof minValid === 'object') return minValid;
      return { kind: 'get', name, minValidSeconds: minValid, ...config };
    }
    case 'status': {
      const [name] = rest;
      if (name !== undefined) {
        const tooMany = extra(1);
        if (tooMany) return { kind: 'usage-error', message: tooMany };
        const minValid = minValidOf(values['min-valid'], 0);
        if (typeof minValid === 'object') return minValid;
        return {
          kind: 'status-check',
          name,
          minValidSeconds: minValid,
          verbose: values.verbose === true,
          ...config,
        };
      }
      if (values['min-valid'] !== undefined)
        return {
          kind: 'usage-error',
          message: '--min-valid needs a token name: token-agent status NAME --min-valid S',
        };
      return { kind: 'status', json: values.json === true, ...config };
    }
    case 'git-credential':
    case 'docker-credential': {
      const [action] = rest;
      if (!action)
        return { kind: 'usage-error', message: `'${command}' needs an action: token-agent ${command} get` };
      const tooMany = extra(1);
      if (tooMany) return { kind: 'usage-error', message: tooMany };
      const minValid = minValidOf(values['min-valid'], helperMinValidSeconds);
      if (typeof minValid === 'object') return minValid;
      return { kind: command, action, minValidSeconds: minValid, ...config };
    }
    case 'kube-credential': {
      const [name] = rest;
      if (!name)
        return {
          kind: 'usage-error',
          message: "'kube-credential' needs a token name: token-agent kube-credential NAME",
        };
      const tooMany = extra(1);
      if (tooMany) return { kind: 'usage-error', message: tooMany };
      const minValid = minValidOf(values['min-valid'], helperMinValidSeconds);
      if (typeof minValid === 'object') return minValid;
      return { kind: 'kube-credential', name, minValidSeconds: minValid, ...config };
    }
    case 'refresh': {
      const [name] = rest;
      if (!name)
        return { kind: 'usage-error', message: "'refresh' needs a token name: token-agent refresh NAME" };
      const tooMany = extra(1);
      if (tooMany) return { kind: 'usage-error', message: tooMany };
      return { kind: 'refresh', name, ...config };
    }
    case 'secret':
      return parseSecret(rest, config);
    case 'login': {
      const [name] = rest;
      if (!name)
        return { kind: 'usage-error', message: "'login' needs a token name: token-agent login NAME" };
      const tooMany = extra(1);
      if (tooMany) return { kind: 'usage-error', message: tooMany };
      return {
        kind: 'login',
        name,
        flow: values.device ? 'device' : 'browser',
        openBrowser: values['no-browser'] !== true,
        ...config,
      };
    }
    case 'agent':
    case 'serve': {
      const tooMany = extra(0);
      if (tooMany) return { kind: 'usage-error', message: tooMany };
      const listen: ListenSpec[] = [];
      for (const value of values.listen ?? []) {
        const spec = parseListen(value);
        if ('error' in spec) return { kind: 'usage-error', message: spec.error };
        listen.push(spec);
      }
      return {
        kind: 'agent',
        listen,
        printSecret: values['print-secret'] === true,
        ...(values.config !== undefined ? { config: values.config } : {}),
      };
    }
    default:
      return { kind: 'usage-error', message: `Unknown command '${command}'. Run 'token-agent --help'.` };
  }
}

/** `--min-valid`'s seconds, or the usage error to answer. */
function minValidOf(
  text: string | undefined,
  fallback: number,
): number | { kind: 'usage-error'; message: string } {
  const seconds = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 86_400)
    return {
      kind: 'usage-error',
      message: `--min-valid takes whole seconds from 0 to 86400, got '${text}'.`,
    };
  return seconds;
}

function parseSecret(rest: string[], config: ClientFlags): Command {
  const [action, name, secret, ...more] = rest;
  const isKind = (value: string | undefined): value is SecretKindName =>
    (secretKindNames as readonly (string | undefined)[]).includes(value);
  if (action !== 'set' && action !== 'delete') {
    return { kind: 'usage-error', message: "'secret' needs 'set NAME KIND' or 'delete NAME [KIND]'." };
  }
  if (!name) return { kind: 'usage-error', message: `'secret ${action}' needs a token name.` };
  if (more.length > 0) {
    return {
      kind: 'usage-error',
      message: `'secret ${action}' got an unexpected argument. Secrets are read from stdin, never from the command line.`,
    };
  }
  if (action === 'set') {
    if (!isKind(secret)) {
      return {
        kind: 'usage-error',
        message: `'secret set' needs a KIND: one of ${secretKindNames.join(', ')}.`,
      };
    }
    return { kind: 'secret-set', name, secret, ...config };
  }
  if (secret !== undefined && !isKind(secret)) {
    return {
      kind: 'usage-error',
      message: `'secret delete' KIND must be one of ${secretKindNames.join(', ')}.`,
    };
  }
  return { kind: 'secret-delete', name, ...(secret ? { secret } : {}), ...config };
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      config: { type: 'string' },
      'no-agent': { type: 'boolean' },
      'min-valid': { type: 'string' },
      json: { type: 'boolean' },
      verbose: { type: 'boolean' },
      device: { type: 'boolean' },
      'no-browser': { type: 'boolean' },
      listen: { type: 'string', multiple: true },
      'print-secret': { type: 'boolean' },
      stdio: { type: 'boolean' },
      'node-ipc': { type: 'boolean' },
      socket: { type: 'string' },
      // vscode-languageclient passes the client's pid so the server can exit if VS Code dies.
      clientProcessId: { type: 'string' },
    },
  });
}

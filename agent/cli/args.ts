// Parses the command line into a typed command. Pure: no I/O, so every path is unit-tested.
import { parseArgs } from 'node:util';

export type Command =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'lsp' }
  | { kind: 'usage-error'; message: string };

export const usage = `Usage: token-agent <command> [options]

Keeps short-lived access tokens fresh, in the OS secret store, and finds hard-coded ones.

Commands:
  lsp --stdio | --node-ipc   Run as a language server (this is what the VS Code extension starts).

Options:
  -h, --help                 Show this help.
  -v, --version              Print the version.
`;

export function parseCommandLine(argv: readonly string[]): Command {
  let parsed: ReturnType<typeof parseWith>;
  try {
    parsed = parseWith(argv);
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  const { values, positionals } = parsed;
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const [command, ...rest] = positionals;
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
    default:
      return { kind: 'usage-error', message: `Unknown command '${command}'. Run 'token-agent --help'.` };
  }
}

function parseWith(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
      stdio: { type: 'boolean' },
      'node-ipc': { type: 'boolean' },
      socket: { type: 'string' },
      // vscode-languageclient passes the client's pid so the server can exit if VS Code dies.
      clientProcessId: { type: 'string' },
    },
  });
}

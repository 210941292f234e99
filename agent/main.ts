// The `token-agent` binary. Stdout may be the LSP transport, so only the CLI paths that own the
// terminal print to it.
import { parseCommandLine, usage } from './cli/args';
import { runCli } from './cli/run';
import { runLspServer } from './server/lspServer';
import { agentVersion } from './version';

function main(argv: readonly string[]): void {
  const command = parseCommandLine(argv);
  switch (command.kind) {
    case 'help':
      process.stdout.write(usage);
      return;
    case 'version':
      process.stdout.write(`${agentVersion}\n`);
      return;
    case 'lsp':
      runLspServer();
      return;
    case 'get':
    case 'status':
    case 'refresh':
    case 'secret-set':
    case 'secret-delete':
      void runCli(command).then((code) => {
        process.exitCode = code;
      });
      return;
    case 'usage-error':
      process.stderr.write(`token-agent: ${command.message}\n`);
      process.exitCode = 2;
      return;
  }
}

main(process.argv.slice(2));

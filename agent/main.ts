// The `token-agent` binary. Stdout may be the LSP transport, so only the CLI paths that own the
// terminal print to it.
import { parseCommandLine, usage } from './cli/args';
import { runHelper } from './cli/helperRun';
import { runLogin } from './cli/login';
import { runCli } from './cli/run';
import { runScan } from './cli/scan';
import { runStatusCheck } from './cli/statusCheck';
import { runTokenCommand } from './cli/tokenRun';
import { runAgent } from './daemon/server';
import { runProgram } from './run/runProgram';
import { exitLike } from './run/supervise';
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
    case 'status-check':
      void runStatusCheck(command).then((code) => {
        process.exitCode = code;
      });
      return;
    case 'git-credential':
    case 'kube-credential':
    case 'docker-credential':
      void runHelper(command).then((code) => {
        process.exitCode = code;
      });
      return;
    case 'agent':
      // Explicit exit: a refresh abandoned at the stop bound may still hold timers or sockets.
      void runAgent(command).then((code) => process.exit(code));
      return;
    case 'scan':
      void runScan(command.scan).then((code) => {
        process.exitCode = code;
      });
      return;
    case 'login':
      void runLogin(command).then((code) => {
        process.exitCode = code;
      });
      return;
    case 'token-add':
    case 'token-remove':
    case 'token-list':
    case 'config-path':
      void runTokenCommand(command).then((code) => {
        process.exitCode = code;
      });
      return;
    case 'run':
      // Exits as the program did (its code, or its signal), once the token folder is gone.
      void runProgram(command).then(exitLike);
      return;
    case 'usage-error':
      process.stderr.write(`token-agent: ${command.message}\n`);
      process.exitCode = 2;
      return;
  }
}

main(process.argv.slice(2));

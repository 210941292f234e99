// A stampede driver: `node --import tsx test/support/stampede.ts CONFIG NAME CALLS`. Opens the agent's
// runtime as the CLI does, prints `ready`, waits for a line on stdin, then makes CALLS concurrent
// `engine.get(NAME)` calls and prints one JSON line: the token each call got, and any errors.
// The environment (XDG_DATA_HOME, the D-Bus address) comes from whoever starts it.
import { isTokenAgentError } from '../../agent/base/errors';
import { createRuntime } from '../../agent/runtime';
import type { StampedeReport } from './agentCli';

async function main(): Promise<void> {
  const [configFlag, name, calls] = process.argv.slice(2);
  if (!configFlag || !name || !calls) throw new Error('usage: stampede.ts CONFIG NAME CALLS');
  const { engine } = await createRuntime({ configFlag, schedule: false });
  // The barrier: the test releases every driver at once, once the token has expired.
  const go = new Promise<void>((release) => process.stdin.once('data', () => release()));
  process.stdout.write('ready\n');
  await go;
  process.stdin.destroy();
  const results = await Promise.allSettled(Array.from({ length: Number(calls) }, () => engine.get(name)));
  const report: StampedeReport = { tokens: [], errors: [] };
  for (const result of results) {
    if (result.status === 'fulfilled') report.tokens.push(result.value.accessToken);
    else {
      const error = result.reason as Error;
      report.errors.push({
        ...(isTokenAgentError(error) ? { code: error.code } : {}),
        message: error.message,
      });
    }
  }
  process.stdout.write(`${JSON.stringify(report)}\n`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

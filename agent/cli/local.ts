// The terminal commands run in this process (--no-agent): for containers and CI, where no long-lived
// agent should be left behind. The engine's lock file still serialises refreshes between processes.
// Tokens go to stdout only for `get`; everything for people goes to stderr, one line per problem.
import { isTokenAgentError } from '../base/errors';
import { mask, redactError } from '../base/redact';
import { StatusModel } from '../daemon/statusModel';
import { createRuntime, type Runtime, requireStore } from '../runtime';
import type { Command } from './args';
import { readSecretLine, refreshed, shortOfMinValid } from './messages';
import { renderStatusTable } from './statusTable';

/** How long `status` waits for the signature checks (each key fetch has its own 5 s budget too). */
const statusVerifyWaitMs = 5_000;

export type CliCommand = Extract<
  Command,
  { kind: 'get' | 'status' | 'refresh' | 'secret-set' | 'secret-delete' }
>;

export async function runLocally(command: CliCommand): Promise<number> {
  try {
    return await dispatch(command);
  } catch (error) {
    const code = isTokenAgentError(error) ? `${error.code}: ` : '';
    process.stderr.write(`token-agent: ${code}${(error as Error).message}\n`);
    return 1;
  }
}

async function open(command: CliCommand): Promise<Runtime> {
  const runtime = await createRuntime({
    ...(command.config ? { configFlag: command.config } : {}),
    schedule: false,
    verifyTokens: command.kind === 'status',
    // A secret may be stored before its token is configured; without a token the store stays closed.
    ...(command.kind === 'secret-set' || command.kind === 'secret-delete' ? { alwaysOpenStore: true } : {}),
  });
  for (const problem of runtime.problems) {
    process.stderr.write(`token-agent: ${runtime.configPath}: ${problem.severity}: ${problem.message}\n`);
  }
  return runtime;
}

function storeLabel(runtime: Runtime): string {
  if (runtime.store)
    return runtime.store.plaintext ? `${runtime.store.tier} (PLAINTEXT)` : runtime.store.tier;
  if (runtime.storeError)
    return `unavailable (${runtime.storeError.code}: ${runtime.engine.redact(runtime.storeError.message)})`;
  return 'not needed yet';
}

async function dispatch(command: CliCommand): Promise<number> {
  const runtime = await open(command);
  try {
    return await run(command, runtime);
  } catch (error) {
    // What the store or the team said, too, passes the engine's redactor before it is printed.
    throw redactError(error, (text) => runtime.engine.redact(text));
  } finally {
    // Closes the team's Redis connection, if any, once nothing is in flight.
    runtime.engine.stop();
  }
}

async function run(command: CliCommand, runtime: Runtime): Promise<number> {
  const { engine } = runtime;
  switch (command.kind) {
    case 'get': {
      const token = await engine.get(command.name, { minValidSeconds: command.minValidSeconds });
      process.stdout.write(`${token.accessToken}\n`);
      if (token.shortOfMinValid && token.expiresAt !== undefined)
        process.stderr.write(
          shortOfMinValid(
            command.name,
            token.expiresAt - Date.now(),
            command.minValidSeconds,
            token.expiryAssumed === true,
          ),
        );
      return 0;
    }
    case 'refresh': {
      const token = await engine.refresh(command.name);
      process.stderr.write(
        refreshed(command.name, token.expiresAt, mask(token.accessToken), token.expiryAssumed === true),
      );
      return 0;
    }
    case 'status': {
      if (runtime.store) await engine.start();
      // The checks started with the engine; an issuer that is slow to serve its keys must not hold up
      // the status for long, and its tokens then show no verification at all.
      await engine.verificationSettled(statusVerifyWaitMs);
      const states = engine.states();
      if (command.json) {
        // The same document as the agent's /v1/status and the editor's status.
        const model = new StatusModel();
        model.setRuntime(runtime);
        process.stdout.write(`${JSON.stringify(model.snapshot(), null, 2)}\n`);
      } else {
        process.stdout.write(renderStatusTable(states, storeLabel(runtime), Date.now(), engine.teamHealth()));
      }
      return states.some((state) => state.phase === 'error' || state.phase === 'needs-sign-in') ? 1 : 0;
    }
    case 'secret-set': {
      const store = storeFor(runtime, command.name);
      const value = await readSecretLine(command.secret, command.name);
      if (value === undefined) return 1;
      await store.set(command.name, command.secret, value);
      process.stderr.write(
        `Stored the ${command.secret} of '${command.name}' (${mask(value)}) in the ${store.tier} store.\n`,
      );
      return 0;
    }
    case 'secret-delete': {
      const store = storeFor(runtime, command.name);
      await store.delete(command.name, command.secret);
      process.stderr.write(
        `Deleted ${command.secret ?? 'every secret'} of '${command.name}' from the ${store.tier} store.\n`,
      );
      return 0;
    }
  }
}

function storeFor(runtime: Runtime, name: string) {
  // '@team' and '@serve' hold the team key and the sidecar's bearer secret (docs/team-mode.md).
  if (!name.startsWith('@') && !runtime.config.tokens.some((token) => token.name === name)) {
    process.stderr.write(
      `token-agent: warning: no token named '${name}' is configured in ${runtime.configPath}.\n`,
    );
  }
  return requireStore(runtime);
}

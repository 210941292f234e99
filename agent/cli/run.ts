// The terminal commands, as clients of the user agent (started on demand). The agent does the work:
// a Ctrl-C here ends this process only, never a refresh the agent has started. With --no-agent (or
// TOKEN_AGENT_NO_AGENT=1) the work is done in this process instead (local.ts).
// Tokens go to stdout only for `get`; everything for people goes to stderr, one line per problem, so
// `$(token-agent get api)` never captures a message.
import { codes, isTokenAgentError } from '../base/errors';
import { mask } from '../base/redact';
import type { AgentClient } from '../daemon/client';
import { connectAgent } from '../daemon/start';
import type { AgentStatus } from '../protocol';
import { type CliCommand, runLocally } from './local';
import { readSecretLine, refreshed, shortOfMinValid } from './messages';
import { renderStatusTable } from './statusTable';

/** How long `status` waits for the agent's first signature checks of tokens it just loaded. */
const statusVerifyWaitMs = 5_000;

export function wantsLocal(command: { noAgent?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return command.noAgent === true || env.TOKEN_AGENT_NO_AGENT === '1';
}

export async function runCli(command: CliCommand): Promise<number> {
  if (wantsLocal(command)) return runLocally(command);
  try {
    // An agent that starts stopping between our connect and our request answers ERR_STOPPING: ask
    // again, which waits for it to go and starts the next one.
    for (let attempt = 1; ; attempt++) {
      const { client } = await connectAgent({ ...(command.config ? { configFlag: command.config } : {}) });
      try {
        return await run(client, command);
      } catch (error) {
        if (attempt >= 3 || !isTokenAgentError(error, codes.agentStopping)) throw error;
      }
    }
  } catch (error) {
    return fail(error);
  }
}

export function fail(error: unknown): number {
  const code = isTokenAgentError(error) ? `${error.code}: ` : '';
  process.stderr.write(`token-agent: ${code}${(error as Error).message}\n`);
  return 1;
}

async function run(client: AgentClient, command: CliCommand): Promise<number> {
  switch (command.kind) {
    case 'get': {
      const answer = await client.getToken(command.name, command.minValidSeconds);
      process.stdout.write(`${answer.access_token}\n`);
      if (answer.short_of_min_valid)
        process.stderr.write(
          shortOfMinValid(
            command.name,
            (answer.expires_in ?? 0) * 1000,
            command.minValidSeconds,
            answer.expiry_assumed === true,
          ),
        );
      return 0;
    }
    case 'refresh': {
      const state = await client.refresh(command.name);
      process.stderr.write(refreshed(command.name, state.expiresAt, undefined, state.expiryAssumed === true));
      return 0;
    }
    case 'status': {
      const status = await settledStatus(client);
      if (command.json) process.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
      else
        process.stdout.write(renderStatusTable(status.tokens, storeLabel(status), Date.now(), status.team));
      for (const problem of status.problems)
        process.stderr.write(`token-agent: ${status.configPath ?? 'config'}: ${problem}\n`);
      return status.tokens.some((t) => t.phase === 'error' || t.phase === 'needs-sign-in') ? 1 : 0;
    }
    case 'secret-set': {
      await warnIfUndefined(client, command.name);
      const value = await readSecretLine(command.secret, command.name);
      if (value === undefined) return 1;
      await client.setSecret(command.name, command.secret, value);
      const { store } = await client.status();
      process.stderr.write(
        `Stored the ${command.secret} of '${command.name}' (${mask(value)}) in the ${store.tier} store.\n`,
      );
      return 0;
    }
    case 'secret-delete': {
      await warnIfUndefined(client, command.name);
      await client.deleteSecret(command.name, command.secret);
      const { store } = await client.status();
      process.stderr.write(
        `Deleted ${command.secret ?? 'every secret'} of '${command.name}' from the ${store.tier} store.\n`,
      );
      return 0;
    }
  }
}

/**
 * The agent checks each new token's signature in the background; a status asked right after it
 * started would show none. Waits (bounded) until every OAuth token it holds has an answer.
 */
async function settledStatus(client: AgentClient): Promise<AgentStatus> {
  const deadline = Date.now() + statusVerifyWaitMs;
  for (;;) {
    const status = await client.status();
    const pending = status.tokens.some(
      (t) =>
        (t.type === 'oauth2-refresh-token' || t.type === 'oauth2-client-credentials') &&
        t.expiresAt !== undefined &&
        t.verification === undefined,
    );
    if (!pending || Date.now() > deadline) return status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function storeLabel(status: AgentStatus): string {
  const { store } = status;
  if (store.tier === 'unavailable')
    return `unavailable (${store.error ? `${store.error.code}: ` : ''}${store.detail ?? 'no detail'})`;
  if (store.tier === 'none') return 'not needed yet';
  return store.plaintext ? `${store.tier} (PLAINTEXT)` : store.tier;
}

async function warnIfUndefined(client: AgentClient, name: string): Promise<void> {
  // '@team' and '@serve' hold the team key and the agent's TCP bearer secret (docs/team-mode.md).
  if (name.startsWith('@')) return;
  const list = await client.definitions();
  if (!list.tokens.some((token: { name: string }) => token.name === name))
    process.stderr.write(
      `token-agent: warning: no token named '${name}' is configured in ${list.configPath}.\n`,
    );
}

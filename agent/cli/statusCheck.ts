// `token-agent status NAME [--min-valid S] [--verbose]`: one "still valid?" answer for scripts, as an
// exit code. 0: the token held now stays valid S more seconds; 1: it does not (expired, expiring
// sooner, needs a sign-in, failing); 2: the question could not be answered (no such token, no agent).
// It looks and never refreshes. Silent unless --verbose, except for an exit-2 error, which always
// says what went wrong on stderr (a script that mistyped a name should not fail in silence).
import { isTokenAgentError } from '../base/errors';
import { connectAgent } from '../daemon/start';
import type { TokenState } from '../protocol';
import type { StatusCheckCommand } from './args';
import { wantsLocal } from './run';
import { formatDuration } from './statusTable';

export interface Verdict {
  code: 0 | 1 | 2;
  /** One line for a person, printed with --verbose (always for code 2). Never a token. */
  line: string;
}

/** Pure: the verdict on the token's state at `now` (Unix ms). */
export function validity(
  name: string,
  state: TokenState | undefined,
  now: number,
  minValidSeconds: number,
): Verdict {
  if (state === undefined) return { code: 2, line: `no token named '${name}' is configured` };
  const asked = `the ${minValidSeconds}s asked`;
  if (state.phase === 'needs-sign-in')
    return { code: 1, line: `'${name}' needs a sign-in: token-agent login ${name}` };
  if (state.expiryUnknown && state.phase !== 'error' && state.lastError === undefined) {
    // A command's token nothing dates: held, but never vouched for beyond this moment.
    if (minValidSeconds <= 0) return { code: 0, line: `'${name}' is held, expiry unknown` };
    return {
      code: 1,
      line: `'${name}' has an unknown expiry (its command does not say), so not ${asked}; \`token-agent get ${name}\` runs the command again`,
    };
  }
  if (state.expiresAt === undefined) {
    // No known expiry: valid while one is held and nothing failed (a pasted opaque token, say).
    if (state.phase === 'fresh' && state.lastError === undefined)
      return { code: 0, line: `'${name}' is held, with no known expiry` };
    return { code: 1, line: `'${name}' holds no valid token (${state.lastError?.code ?? state.phase})` };
  }
  const left = state.expiresAt - now;
  if (left <= 0) return { code: 1, line: `'${name}' expired ${formatDuration(-left)} ago` };
  if (left < minValidSeconds * 1000)
    return { code: 1, line: `'${name}' is valid for ${formatDuration(left)}, less than ${asked}` };
  return { code: 0, line: `'${name}' is valid for ${formatDuration(left)}` };
}

export async function runStatusCheck(command: StatusCheckCommand): Promise<number> {
  let verdict: Verdict;
  try {
    const states = await tokenStates(command);
    verdict = validity(
      command.name,
      states.find((state) => state.name === command.name),
      Date.now(),
      command.minValidSeconds,
    );
  } catch (error) {
    const code = isTokenAgentError(error) ? `${error.code}: ` : '';
    verdict = { code: 2, line: `${code}${(error as Error).message}` };
  }
  if (command.verbose || verdict.code === 2) process.stderr.write(`token-agent: ${verdict.line}\n`);
  return verdict.code;
}

async function tokenStates(command: StatusCheckCommand): Promise<TokenState[]> {
  const configFlag = command.config ? { configFlag: command.config } : {};
  if (!wantsLocal(command)) {
    const { client } = await connectAgent(configFlag);
    return (await client.status()).tokens;
  }
  const { createRuntime } = await import('../runtime');
  const runtime = await createRuntime({ ...configFlag, schedule: false, verifyTokens: false });
  try {
    // Loads what the store holds, without refreshing anything (schedule is off).
    if (runtime.store) await runtime.engine.start();
    return runtime.engine.states();
  } finally {
    runtime.engine.stop();
  }
}

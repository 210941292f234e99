// `token-agent login NAME [--device] [--no-browser]`: the first refresh token without pasting one.
// Everything goes to stderr and nothing secret is printed: the tokens go straight into the store.
// Exit codes: 0 signed in, 1 the sign-in failed (refused, timed out, store unavailable…), 2 the token
// cannot be signed in to as named (unknown, or not an oauth2-refresh-token with an issuer).

import { codes, type ErrorCodeString, isTokenAgentError, TokenAgentError } from '../base/errors';
import { connectAgent } from '../daemon/start';
import type { SignInResult as ProtocolSignInResult } from '../protocol';
import { createRuntime, type Runtime } from '../runtime';
import { defaultLoopbackTimeoutMs } from '../signin/loopback';
import { signIn, signInDefinition } from '../signin/signIn';
import type { LoginCommand } from './args';
import { openInBrowser } from './openBrowser';
import { wantsLocal } from './run';
import { formatDuration } from './statusTable';

/** The process edges, replaceable in tests. */
export interface LoginIo {
  write(text: string): void;
  openBrowser(url: string): Promise<void>;
  /** Ctrl-C by default. */
  signal: AbortSignal;
  env: NodeJS.ProcessEnv;
}

export type { LoginCommand };

export async function runLogin(command: LoginCommand, io: Partial<LoginIo> = {}): Promise<number> {
  const write = io.write ?? ((text: string) => void process.stderr.write(text));
  const interrupt = new AbortController();
  const onSigint = () => {
    write('\nCancelling the sign-in…\n');
    interrupt.abort();
  };
  // Once only: a second Ctrl-C kills the process the usual way.
  if (!io.signal) process.once('SIGINT', onSigint);
  let runtime: Runtime | undefined;
  try {
    if (!wantsLocal(command, io.env ?? process.env))
      return await loginThroughAgent(command, write, io, io.signal ?? interrupt.signal);
    runtime = await createRuntime({
      ...(command.config ? { configFlag: command.config } : {}),
      schedule: false,
      ...(io.env ? { env: io.env } : {}),
    });
    for (const problem of runtime.problems)
      write(`token-agent: ${runtime.configPath}: ${problem.severity}: ${problem.message}\n`);
    signInDefinition(runtime, command.name);
    const result = await signIn(runtime, command.name, {
      flow: command.flow,
      signal: io.signal ?? interrupt.signal,
      keySets: new Map(),
      openUrl: async (url) => {
        write(`Open this URL to sign in: ${url}\n`);
        if (command.openBrowser) {
          await (io.openBrowser ?? openInBrowser)(url).catch(() =>
            write('Could not open a browser here: open the URL yourself, or use --device.\n'),
          );
        }
        write(`Waiting up to ${formatDuration(defaultLoopbackTimeoutMs)} for the sign-in to finish…\n`);
      },
      onDeviceCode: (prompt) => {
        write(`To sign in to '${command.name}', open ${prompt.verificationUri} and enter the code\n\n`);
        write(`    ${prompt.userCode}\n\n`);
        if (prompt.verificationUriComplete) write(`(or open ${prompt.verificationUriComplete})\n`);
        write(`Waiting up to ${formatDuration(prompt.expiresAt - Date.now())} for the sign-in to finish…\n`);
      },
    });
    write(describeResult(result));
    return 0;
  } catch (error) {
    const code = isTokenAgentError(error) ? `${error.code}: ` : '';
    write(`token-agent: ${code}${(error as Error).message}\n`);
    return isTokenAgentError(error, codes.tokenUnknown) || isTokenAgentError(error, codes.signInUnsupported)
      ? 2
      : 1;
  } finally {
    process.off('SIGINT', onSigint);
    runtime?.engine.stop();
  }
}

/** The agent runs the flow (one sign-in per token, whoever asks); this process shows its prompts. */
async function loginThroughAgent(
  command: LoginCommand,
  write: (text: string) => void,
  io: Partial<LoginIo>,
  signal: AbortSignal,
): Promise<number> {
  const { client } = await connectAgent({
    ...(command.config ? { configFlag: command.config } : {}),
    ...(io.env ? { env: io.env } : {}),
  });
  let result: ProtocolSignInResult | undefined;
  let failure: { code: string; message: string } | undefined;
  await client.signIn(
    command.name,
    command.flow,
    (event) => {
      if ('prompt' in event) {
        const prompt = event.prompt;
        // One sign-in per token: this one was started elsewhere, and its tab may already be open.
        if (event.joined)
          write(
            `A sign-in to '${command.name}' is already in progress (started in another window or terminal); this waits for it too.\n`,
          );
        if (prompt.flow === 'browser') {
          write(`Open this URL to sign in: ${prompt.authorizationUrl}\n`);
          if (command.openBrowser && !event.joined)
            void (io.openBrowser ?? openInBrowser)(prompt.authorizationUrl).catch(() =>
              write('Could not open a browser here: open the URL yourself, or use --device.\n'),
            );
          write(`Waiting up to ${formatDuration(defaultLoopbackTimeoutMs)} for the sign-in to finish…\n`);
        } else {
          write(`To sign in to '${command.name}', open ${prompt.verificationUri} and enter the code\n\n`);
          write(`    ${prompt.userCode}\n\n`);
          if (prompt.verificationUriComplete) write(`(or open ${prompt.verificationUriComplete})\n`);
          write(
            `Waiting up to ${formatDuration(prompt.expiresAt - Date.now())} for the sign-in to finish…\n`,
          );
        }
      } else if ('result' in event) result = event.result;
      else failure = event.error;
    },
    signal,
  );
  if (result) {
    write(describeResult(result));
    return 0;
  }
  if (signal.aborted) throw new TokenAgentError(codes.signInCancelled, 'The sign-in was cancelled.');
  throw new TokenAgentError(
    (failure?.code ?? codes.signInFailed) as ErrorCodeString,
    failure?.message ?? 'The sign-in ended without an answer.',
  );
}

export function describeResult(result: ProtocolSignInResult): string {
  const where = result.plaintext ? `${result.tier} store, in clear text` : `${result.tier} store`;
  const lines = [
    `Signed in to '${result.name}' (${result.accessTokenPreview}); the refresh token is in the ${where}.`,
  ];
  const { verification } = result;
  if (verification?.verified)
    lines.push(
      `The access token's signature checks out against the issuer's published keys (${verification.algorithm}).`,
    );
  else if (verification) lines.push(`The access token's signature was not verified: ${verification.reason}.`);
  return `${lines.join('\n')}\n`;
}

// The thin command wrappers of the credential helpers (`git-credential`, `kube-credential`,
// `docker-credential`): read stdin or the environment, ask a TokenSource, print the protocol's answer.
// The protocols themselves live in agent/helpers/, pure. The source is the user agent (started on
// demand, as for `get`), or with --no-agent an engine in this process. No helper ever signs in: the
// agent's token request never does, so a needed sign-in comes back as ERR_NEEDS_SIGN_IN.
import { text } from 'node:stream/consumers';
import { takeHandedStdin } from '../base/stdinHandoff';
import { tokenAnswer } from '../daemon/routes';
import { servedFromConfig } from '../daemon/served';
import { connectAgent } from '../daemon/start';
import { dockerCredential } from '../helpers/dockerCredential';
import { gitCredential } from '../helpers/gitCredential';
import { kubeAnswer, parseExecInfo } from '../helpers/kubeCredential';
import { againWhileStopping, agentSource, type TokenSource } from '../helpers/source';
import type { ClientFlags, HelperCommand } from './args';
import { wantsLocal } from './run';

export async function runHelper(command: HelperCommand): Promise<number> {
  const { source, close } = openSource(command);
  try {
    switch (command.kind) {
      case 'git-credential': {
        // git writes the whole description and closes stdin; `store` and `erase` need it read too.
        const input = takeHandedStdin() ?? (await text(process.stdin));
        const answer = await gitCredential(command.action, input, source, {
          minValidSeconds: command.minValidSeconds,
          nowSeconds: () => Math.floor(Date.now() / 1000),
        });
        process.stdout.write(answer.stdout);
        process.stderr.write(answer.stderr);
        return answer.exitCode;
      }
      case 'docker-credential': {
        const input = command.action === 'list' ? '' : (takeHandedStdin() ?? (await text(process.stdin)));
        const answer = await dockerCredential(command.action, input, source, {
          minValidSeconds: command.minValidSeconds,
        });
        process.stdout.write(answer.stdout);
        process.stderr.write(answer.stderr);
        return answer.exitCode;
      }
      case 'kube-credential':
        return await kubeCredential(command, source);
    }
  } finally {
    close();
  }
}

async function kubeCredential(
  command: Extract<HelperCommand, { kind: 'kube-credential' }>,
  source: TokenSource,
): Promise<number> {
  const info = parseExecInfo(process.env.KUBERNETES_EXEC_INFO);
  if ('error' in info) {
    process.stderr.write(`token-agent: kube-credential: ${info.error}\n`);
    return 1;
  }
  const answer = await source.token(command.name, command.minValidSeconds).then(
    (token) => ({ token }),
    (error: unknown) => {
      const coded = error as { code?: unknown; message?: unknown };
      return {
        error: {
          ...(typeof coded.code === 'string' ? { code: coded.code } : {}),
          message: typeof coded.message === 'string' ? coded.message : String(error),
        },
      };
    },
  );
  const printed = kubeAnswer(info.apiVersion, command.name, answer, Math.floor(Date.now() / 1000));
  process.stdout.write(printed.stdout);
  process.stderr.write(printed.stderr);
  return printed.exitCode;
}

/**
 * The user agent, connected on first use (a remote nobody serves still needs the definitions), or
 * an engine in this process. `close` ends what was opened.
 */
function openSource(command: ClientFlags): { source: TokenSource; close: () => void } {
  const configFlag = command.config ? { configFlag: command.config } : {};
  if (wantsLocal(command)) {
    let runtime: Promise<import('../runtime').Runtime> | undefined;
    const open = () => {
      runtime ??= import('../runtime').then(({ createRuntime }) =>
        createRuntime({ ...configFlag, schedule: false, verifyTokens: false }),
      );
      return runtime;
    };
    return {
      source: {
        served: async () => servedFromConfig((await open()).config.tokens),
        token: async (name, minValidSeconds) => {
          const { engine } = await open();
          const token = engine.withRefreshPoint(name, await engine.get(name, { minValidSeconds }));
          return tokenAnswer(token, Date.now());
        },
        refresh: async (name) => {
          await (await open()).engine.refresh(name);
        },
      },
      close: () => void runtime?.then((opened) => opened.engine.stop()),
    };
  }
  let agent: Promise<TokenSource> | undefined;
  const connected = () => {
    agent ??= connectAgent(configFlag).then(({ client }) => agentSource(client));
    return agent;
  };
  // An agent that begins stopping after we connected answers ERR_STOPPING: connect again (as runCli
  // does), so git or kubectl never sees the restart.
  const withAgent = <T>(use: (source: TokenSource) => Promise<T>) =>
    againWhileStopping(
      connected,
      () => {
        agent = undefined;
      },
      use,
    );
  return {
    source: {
      served: () => withAgent((source) => source.served()),
      token: (name, minValidSeconds) => withAgent((source) => source.token(name, minValidSeconds)),
      refresh: (name) => withAgent((source) => source.refresh(name)),
    },
    close: () => undefined,
  };
}

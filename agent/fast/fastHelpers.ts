// What the small entry point (fast/main.ts) does for the credential helpers' `get`: print an answer
// that needs no agent (git sent no host, docker no server URL, kubectl an unreadable
// KUBERNETES_EXEC_INFO), or ask the agent one question and print its answer through the same
// protocol modules the full CLI prints with (helpers/gitWire.ts, dockerWire.ts, kubeCredential.ts),
// so the bytes are the same. Pure. An answer it does not recognise (an agent that is stopping, an
// error of the whole request, an older agent without the route) is left to the full CLI.
import { codes } from '../base/errors';
import { routes } from '../daemon/api';
import { readCredentialAnswer, readTokenAnswer } from '../helpers/answer';
import { dockerFail, dockerGetAnswer, noServerUrl, registryOf } from '../helpers/dockerWire';
import { gitGetAnswer, parseCredentialInput, remoteOf, silent } from '../helpers/gitWire';
import { kubeAnswer, parseExecInfo } from '../helpers/kubeCredential';
import type { FastOutput } from './fastGet';

export type Plan =
  | { print: FastOutput }
  | {
      /** The agent's route to ask. */
      ask: string;
      /** The output for its answer, or undefined to leave the command to the full CLI. */
      finish(status: number, text: string, nowSeconds: number): FastOutput | undefined;
    };

/** `git-credential get`, with what git wrote on stdin. */
export function planGit(stdin: string, minValidSeconds: number): Plan {
  const input = parseCredentialInput(stdin);
  const remote = remoteOf(input);
  if ('missing' in remote) return { print: silent };
  return {
    ask: routes.credential(remote, minValidSeconds),
    finish: (status, text, nowSeconds) => {
      const answer = status === 200 ? readCredentialAnswer(text) : undefined;
      return answer && gitGetAnswer(input, remote, answer, nowSeconds);
    },
  };
}

/** `docker-credential get`, with the server URL docker wrote on stdin. */
export function planDocker(stdin: string, minValidSeconds: number): Plan {
  const registry = registryOf(stdin);
  if (registry === undefined) return { print: dockerFail(noServerUrl) };
  return {
    ask: routes.credential(registry, minValidSeconds),
    finish: (status, text) => {
      const answer = status === 200 ? readCredentialAnswer(text) : undefined;
      return answer && dockerGetAnswer(stdin, registry, answer);
    },
  };
}

/** `kube-credential NAME`, with kubectl's KUBERNETES_EXEC_INFO. */
export function planKube(name: string, minValidSeconds: number, execInfo: string | undefined): Plan {
  const info = parseExecInfo(execInfo);
  if ('error' in info)
    return { print: { stdout: '', stderr: `token-agent: kube-credential: ${info.error}\n`, exitCode: 1 } };
  return {
    ask: routes.token(name, minValidSeconds),
    finish: (status, text, nowSeconds) => {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return undefined;
      }
      if (status === 200) {
        const token = readTokenAnswer(body);
        return token && kubeAnswer(info.apiVersion, name, { token }, nowSeconds);
      }
      if (status < 400) return undefined;
      const failure = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
      if (typeof failure?.code !== 'string' || typeof failure.message !== 'string') return undefined;
      // The full CLI waits for the next agent.
      if (failure.code === codes.agentStopping) return undefined;
      return kubeAnswer(
        info.apiVersion,
        name,
        { error: { code: failure.code, message: failure.message } },
        0,
      );
    },
  };
}

// kubectl's (client-go's) exec credential plugin protocol, client.authentication.k8s.io: the plugin
// reads KUBERNETES_EXEC_INFO and prints an ExecCredential with the token and when to ask again.
// client-go keeps the credential until `expirationTimestamp`, so that is the agent's refresh point,
// not the token's expiry: kubectl asks again in time and gets the refreshed token. Pure and free of
// the engine: the full CLI (cli/helperRun.ts) and the small entry point (agent/fast/) both print
// through kubeAnswer, so their bytes are the same.
import type { TokenAnswer } from '../daemon/api';
import { reportedExpiry } from './answer';

export const execApiVersions = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
] as const;
export type ExecApiVersion = (typeof execApiVersions)[number];

export interface ExecInfo {
  apiVersion: ExecApiVersion;
  /** `spec.interactive`: false when kubectl has no terminal to offer. Undefined when not said. */
  interactive?: boolean;
}

/**
 * Reads KUBERNETES_EXEC_INFO. Absent (kubectl before 1.20 sends it only with some settings, and a
 * person running the plugin by hand) means v1beta1, which every kubectl since 1.11 accepts.
 */
export function parseExecInfo(text: string | undefined): ExecInfo | { error: string } {
  if (text === undefined || text.trim() === '') return { apiVersion: 'client.authentication.k8s.io/v1beta1' };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { error: 'KUBERNETES_EXEC_INFO is not JSON' };
  }
  const info = raw as { apiVersion?: unknown; kind?: unknown; spec?: { interactive?: unknown } };
  const version = execApiVersions.find((known) => known === info?.apiVersion);
  if (version === undefined)
    return {
      error: `KUBERNETES_EXEC_INFO asks for apiVersion ${JSON.stringify(String(info?.apiVersion)).slice(0, 80)}; token-agent speaks ${execApiVersions.join(' and ')}: set users[].user.exec.apiVersion in the kubeconfig to one of them`,
    };
  const interactive = info.spec?.interactive;
  return { apiVersion: version, ...(typeof interactive === 'boolean' ? { interactive } : {}) };
}

/** The ExecCredential to print, one JSON document and a newline. */
export function formatExecCredential(
  apiVersion: ExecApiVersion,
  token: string,
  expirySeconds?: number,
): string {
  const status: Record<string, string> = { token };
  if (expirySeconds !== undefined) status.expirationTimestamp = rfc3339(expirySeconds);
  return `${JSON.stringify({ apiVersion, kind: 'ExecCredential', spec: {}, status })}\n`;
}

/** Whole seconds in UTC (`2026-12-05T12:00:00Z`), the form Kubernetes' own objects use. */
export function rfc3339(seconds: number): string {
  return new Date(Math.floor(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface KubeAnswer {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** What `kube-credential NAME` prints for the agent's answer: the ExecCredential, or why not. */
export function kubeAnswer(
  apiVersion: ExecApiVersion,
  name: string,
  answer: { token: TokenAnswer } | { error: { code?: string; message: string } },
  nowSeconds: number,
): KubeAnswer {
  if ('error' in answer) {
    // client-go shows the plugin's stderr when it fails; one line that says what to do.
    const { code, message } = answer.error;
    return {
      stdout: '',
      stderr: `token-agent: kube-credential: token '${name}': ${code ? `${code}: ` : ''}${message}\n`,
      exitCode: 1,
    };
  }
  const expiry = reportedExpiry(answer.token, nowSeconds);
  return {
    stdout: formatExecCredential(apiVersion, answer.token.access_token, expiry),
    stderr: '',
    exitCode: 0,
  };
}

// `token-agent get` through a running `token-agent serve`: one HTTP request on its socket instead of
// opening the config, the secret store and the engine. When nothing answers on the socket quickly,
// or the server uses another config file, the caller falls back to the engine.
import { request } from 'node:http';
import { resolve } from 'node:path';
import { resolveConfigPath, resolveDataDir } from '../config/paths';
import { configHeader, serveCodes } from './handler';
import { defaultSocketPath } from './listen';

export type ServedAnswer =
  | { kind: 'token'; accessToken: string }
  | { kind: 'error'; code: string; message: string }
  /** No server, a server for another config, or a server stopping: ask the engine. */
  | { kind: 'unavailable' };

export interface ServedGet {
  name: string;
  minValidSeconds: number;
  config?: string;
  env?: NodeJS.ProcessEnv;
  /** How long to wait for the socket to accept; a live server accepts at once. */
  connectTimeoutMs?: number;
  /** How long to wait for the answer, which may include a refresh. */
  timeoutMs?: number;
}

export async function getThroughServe(options: ServedGet): Promise<ServedAnswer> {
  const env = options.env ?? process.env;
  const { connectTimeoutMs = 300, timeoutMs = 90_000 } = options;
  let socketPath: string;
  let configPath: string;
  try {
    const dataDir = resolveDataDir({ platform: process.platform, env });
    socketPath = defaultSocketPath({ platform: process.platform, env, dataDir });
    configPath = resolve(
      resolveConfigPath({
        platform: process.platform,
        env,
        ...(options.config ? { configFlag: options.config } : {}),
      }).path,
    );
  } catch {
    return { kind: 'unavailable' };
  }
  const path = `/v1/tokens/${encodeURIComponent(options.name)}?min_valid=${options.minValidSeconds}`;
  return new Promise<ServedAnswer>((settle) => {
    const req = request({
      socketPath,
      path,
      method: 'GET',
      headers: { host: 'localhost', [configHeader]: configPath },
    });
    const connectTimer = setTimeout(() => req.destroy(new Error('connect timeout')), connectTimeoutMs);
    const answerTimer = setTimeout(() => req.destroy(new Error('answer timeout')), timeoutMs);
    const done = (answer: ServedAnswer) => {
      clearTimeout(connectTimer);
      clearTimeout(answerTimer);
      settle(answer);
    };
    req.once('socket', (socket) => {
      if (!socket.connecting) clearTimeout(connectTimer);
      else socket.once('connect', () => clearTimeout(connectTimer));
    });
    req.once('error', () => done({ kind: 'unavailable' }));
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.once('error', () => done({ kind: 'unavailable' }));
      res.once('end', () => done(interpret(res.statusCode ?? 0, text)));
    });
    req.end();
  });
}

function interpret(status: number, text: string): ServedAnswer {
  let body: { access_token?: unknown; error?: { code?: unknown; message?: unknown } };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    return { kind: 'unavailable' };
  }
  if (status === 200 && typeof body.access_token === 'string')
    return { kind: 'token', accessToken: body.access_token };
  const code = typeof body.error?.code === 'string' ? body.error.code : undefined;
  const message = typeof body.error?.message === 'string' ? body.error.message : undefined;
  // The server's own trouble (stopping, another config, a bug): the engine may do better.
  if (code === undefined || message === undefined || (status === 409 && code === serveCodes.configMismatch))
    return { kind: 'unavailable' };
  if (code === serveCodes.stopping || code === serveCodes.internal) return { kind: 'unavailable' };
  return { kind: 'error', code, message };
}

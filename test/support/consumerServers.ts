// Servers that real consumers of tokens talk to, each accepting only an access token that verifies
// against the test token server's keys (signature, issuer, audience, expiry):
// - a git smart-HTTP server: Debian's `git http-backend` run as a CGI program behind a Node gate;
// - a Kubernetes-API-shaped HTTPS endpoint with a certificate made at run time (openssl), for kubectl.
// Each records every request that carried a credential and whether it was accepted, so a test can
// assert "0 authentication failures" and count the distinct tokens seen.
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttp, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { verifyAccessToken } from './agentCli';
import type { TokenServer } from './tokenServer';

const run = promisify(execFile);

export interface AuthRecord {
  at: number;
  scheme: 'Basic' | 'Bearer' | 'none';
  /** The token's `jti`, when it verified. Never the token. */
  jti?: string;
  accepted: boolean;
  /** Why a credential was refused (jose's message), for the failure output. */
  reason?: string;
}

export interface GuardedServer {
  url: string;
  /** Every request, oldest first; live. */
  readonly auth: readonly AuthRecord[];
  /** Requests that carried a credential the server refused. */
  failures(): AuthRecord[];
  /** The next `n` requests with a valid credential are refused anyway (a token revoked early). */
  refuseNext(n: number): void;
  close(): Promise<void>;
}

/** Reads `Authorization` as git and kubectl send it: Basic user:token, or Bearer token. */
async function check(
  server: TokenServer,
  req: IncomingMessage,
  log: AuthRecord[],
  refusals: { left: number } = { left: 0 },
): Promise<boolean> {
  const header = req.headers.authorization ?? '';
  const basic = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  const bearer = /^Bearer (\S+)$/.exec(header);
  const token = basic
    ? Buffer.from(basic[1] as string, 'base64')
        .toString('utf8')
        .split(':')
        .slice(1)
        .join(':')
    : bearer?.[1];
  const scheme = basic ? 'Basic' : bearer ? 'Bearer' : 'none';
  if (token === undefined || token === '') {
    log.push({ at: Date.now(), scheme: 'none', accepted: false });
    return false;
  }
  try {
    const payload = await verifyAccessToken(server, token);
    if (refusals.left > 0) {
      refusals.left--;
      log.push({ at: Date.now(), scheme, accepted: false, reason: 'refused on purpose (refuseNext)' });
      return false;
    }
    log.push({ at: Date.now(), scheme, accepted: true, ...(payload.jti ? { jti: payload.jti } : {}) });
    return true;
  } catch (error) {
    log.push({ at: Date.now(), scheme, accepted: false, reason: (error as Error).message });
    return false;
  }
}

function guarded(
  url: string,
  log: AuthRecord[],
  refusals: { left: number },
  close: () => Promise<void>,
): GuardedServer {
  return {
    url,
    auth: log,
    failures: () => log.filter((record) => record.scheme !== 'none' && !record.accepted),
    refuseNext: (n) => {
      refusals.left += n;
    },
    close,
  };
}

/**
 * Serves the bare repositories under `projectRoot` over git's smart HTTP protocol, through
 * `git http-backend` (CGI), to requests with a valid token only.
 */
export async function startGitServer(server: TokenServer, projectRoot: string): Promise<GuardedServer> {
  const log: AuthRecord[] = [];
  const refusals = { left: 0 };
  const http = createHttp((req, res) => {
    void (async () => {
      if (!(await check(server, req, log, refusals))) {
        res.writeHead(401, { 'www-authenticate': 'Basic realm="git"', 'content-type': 'text/plain' });
        res.end('a valid token is required\n');
        return;
      }
      backend(req, res, projectRoot);
    })();
  });
  await new Promise<void>((listening) => http.listen(0, '127.0.0.1', listening));
  const { port } = http.address() as AddressInfo;
  return guarded(`http://127.0.0.1:${port}`, log, refusals, () => closeServer(http));
}

function backend(req: IncomingMessage, res: ServerResponse, projectRoot: string): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: projectRoot,
      GIT_HTTP_EXPORT_ALL: '1',
      REQUEST_METHOD: req.method ?? 'GET',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: req.headers['git-protocol'] as string } : {}),
      REMOTE_USER: 'token-holder',
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  req.pipe(child.stdin);
  // CGI output: header lines, a blank line, then the body.
  let head = Buffer.alloc(0);
  let started = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (started) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    const endLf = head.indexOf('\n\n');
    const at = end !== -1 ? end : endLf;
    if (at === -1) return;
    const separator = end !== -1 ? 4 : 2;
    const lines = head.subarray(0, at).toString('latin1').split(/\r?\n/);
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else headers[name] = value;
    }
    res.writeHead(status, headers);
    started = true;
    res.write(head.subarray(at + separator));
  });
  child.once('close', () => {
    if (!started) res.writeHead(502);
    res.end();
  });
}

/**
 * A Kubernetes-API-shaped HTTPS endpoint: `GET /api` and `/version` with a valid bearer token.
 * `caData` is the base64 PEM certificate for the kubeconfig's `certificate-authority-data`.
 */
export async function startKubeApi(server: TokenServer): Promise<GuardedServer & { caData: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-kube-'));
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  const [keyPem, certPem] = await Promise.all([readFile(key), readFile(cert)]);
  const log: AuthRecord[] = [];
  const refusals = { left: 0 };
  const https = createHttps({ key: keyPem, cert: certPem }, (req, res) => {
    void (async () => {
      if (!(await check(server, req, log, refusals))) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            reason: 'Unauthorized',
            code: 401,
          }),
        );
        return;
      }
      const path = new URL(req.url ?? '/', 'https://localhost').pathname;
      const { port } = https.address() as AddressInfo;
      const body =
        path === '/api'
          ? {
              kind: 'APIVersions',
              versions: ['v1'],
              serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${port}` }],
            }
          : path === '/version'
            ? { major: '1', minor: '32', gitVersion: 'v1.32.0-token-agent-test', platform: 'linux/amd64' }
            : undefined;
      res.writeHead(body ? 200 : 404, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body ?? { kind: 'Status', code: 404 }));
    })();
  });
  await new Promise<void>((listening) => https.listen(0, '127.0.0.1', listening));
  const { port } = https.address() as AddressInfo;
  return {
    ...guarded(`https://127.0.0.1:${port}`, log, refusals, async () => {
      await closeServer(https);
      await rm(dir, { recursive: true, force: true });
    }),
    caData: certPem.toString('base64'),
  };
}

function closeServer(server: { close(done: () => void): void; closeAllConnections(): void }): Promise<void> {
  return new Promise((closed) => {
    server.close(() => closed());
    server.closeAllConnections();
  });
}

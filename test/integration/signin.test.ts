// Both sign-in flows end to end against the real oidc-provider, with Chromium as the user's browser
// filling in the provider's login and consent pages (and its device-code pages): the refresh token
// must land in the secret store, work for the next refresh, and never be printed. The loopback
// listener must refuse a callback with a tampered `state`.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { createRuntime, type Runtime } from '../../agent/runtime';
import { signIn } from '../../agent/signin/signIn';
import { auditFileName } from '../../agent/store/auditLog';
import {
  type AgentWorkspace,
  createWorkspace,
  type RunningCli,
  refreshTokenEntry,
  verifyAccessToken,
} from '../support/agentCli';
import {
  completeBrowserSignIn,
  completeDeviceSignIn,
  launchChromium,
  logInAndConsent,
  openSignInBrowser,
} from '../support/oidcPages';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenEndpointEvent, type TokenServer } from '../support/tokenServer';
import { waitUntil } from '../support/waitFor';

const testTimeout = { timeout: 60_000 };
const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';

let server: TokenServer;
let browser: Browser;
const cleanups: (() => Promise<void>)[] = [];

before(async () => {
  // A 1 s polling interval (oidc-provider names none, and RFC 8628's default is 5 s).
  server = await startTokenServer({ deviceIntervalSeconds: 1 });
  browser = await launchChromium();
});

after(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  await browser?.close();
  await server?.close();
});

/** An agent runtime with one refresh-token entry `name`, keeping its secrets in memory. */
async function memoryRuntime(name: string): Promise<Runtime & { dir: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-signin-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const configPath = join(dir, 'config.json');
  await writeFile(
    configPath,
    JSON.stringify({ store: 'memory', tokens: [refreshTokenEntry(server, { name })] }),
  );
  const runtime = await createRuntime({
    configFlag: configPath,
    schedule: false,
    env: { ...process.env, XDG_DATA_HOME: join(dir, 'data') },
  });
  cleanups.push(async () => runtime.engine.stop());
  return { ...runtime, dir };
}

async function browserSession() {
  const session = await openSignInBrowser(browser);
  cleanups.push(() => session.close());
  return session;
}

/** The token endpoint's outcomes from now on (a live view). */
function eventsFromNow(): () => TokenEndpointEvent[] {
  const start = server.log.length;
  return () => server.log.slice(start);
}

function storedAccessToken(raw: string | undefined): string {
  assert.ok(raw, 'an access token is stored');
  return (JSON.parse(raw) as { accessToken: string }).accessToken;
}

describe('sign-in through the browser (authorization code + PKCE, loopback redirect)', () => {
  it('stores the refresh token, shows the signed-in page, and the token refreshes', testTimeout, async () => {
    const runtime = await memoryRuntime('web');
    const { page } = await browserSession();
    const events = eventsFromNow();
    let browsing: Promise<string> | undefined;
    const result = await signIn(runtime, 'web', {
      flow: 'browser',
      keySets: new Map(),
      openUrl: async (url) => {
        browsing = completeBrowserSignIn(page, url);
      },
    });
    const landedOn = new URL(await (browsing ?? Promise.reject(new Error('openUrl was never called'))));
    assert.equal(landedOn.hostname, '127.0.0.1');
    assert.equal(landedOn.pathname, '/callback');
    assert.match((await page.locator('h1').textContent()) ?? '', /You are signed in to web/);

    const store = runtime.store;
    assert.ok(store);
    const refreshToken = await store.get('web', 'refresh_token');
    assert.ok(refreshToken, 'the refresh token is in the store');
    const accessToken = storedAccessToken(await store.get('web', 'access_token'));
    await verifyAccessToken(server, accessToken);
    assert.equal(result.verification?.verified, true);
    assert.equal(result.tier, 'memory');
    assert.equal(result.accessTokenPreview, `${accessToken.slice(0, 8)}…`);
    const shown = JSON.stringify(result);
    assert.ok(!shown.includes(accessToken) && !shown.includes(refreshToken), 'no token is handed back');
    // One code exchange, and no refresh spent on storing it: the engine adopted the new access token.
    assert.deepEqual(
      events().map((event) => [event.outcome, event.grantType]),
      [['success', 'authorization_code']],
    );

    const got = await runtime.engine.get('web');
    assert.equal(got.accessToken, accessToken);
    const refreshed = await runtime.engine.refresh('web');
    assert.notEqual(refreshed.accessToken, accessToken);
    await verifyAccessToken(server, refreshed.accessToken);
    assert.notEqual(await store.get('web', 'refresh_token'), refreshToken, 'the server rotated it');
    const last = events().at(-1);
    assert.deepEqual([last?.outcome, last?.grantType], ['success', 'refresh_token']);

    const audit = await readFile(join(runtime.dataDir, auditFileName), 'utf8');
    assert.deepEqual(
      audit
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { outcome: string }).outcome),
      ['signed-in', 'refreshed'],
    );
  });

  it('refuses a callback whose state was tampered with, and stores nothing', testTimeout, async () => {
    const runtime = await memoryRuntime('tampered');
    const { page } = await browserSession();
    const events = eventsFromNow();
    let browsing: Promise<void> | undefined;
    await assert.rejects(
      signIn(runtime, 'tampered', {
        flow: 'browser',
        openUrl: async (url) => {
          // The browser starts from a request with another state, as in a login CSRF or a stale tab:
          // the server then comes back with a real code, for our PKCE challenge, but that state.
          const tampered = new URL(url);
          tampered.searchParams.set('state', 'tampered-state');
          browsing = (async () => {
            await page.goto(tampered.href);
            await logInAndConsent(page);
            await page.getByText('ERR_SIGN_IN_STATE_MISMATCH').waitFor();
          })();
        },
      }),
      { code: 'ERR_SIGN_IN_STATE_MISMATCH' },
    );
    await browsing;
    assert.match((await page.locator('h1').textContent()) ?? '', /failed/);
    assert.equal(await runtime.store?.get('tampered', 'refresh_token'), undefined);
    assert.equal(await runtime.store?.get('tampered', 'access_token'), undefined);
    assert.deepEqual(events(), [], 'the code was never exchanged');
  });
});

describe('sign-in with a device code (RFC 8628)', () => {
  it(
    'polls at the server interval until the code is confirmed in a browser, then stores the tokens',
    testTimeout,
    async () => {
      const runtime = await memoryRuntime('device');
      const { page } = await browserSession();
      const events = eventsFromNow();
      let browsing: Promise<void> | undefined;
      let shownCode = '';
      const result = await signIn(runtime, 'device', {
        flow: 'device',
        keySets: new Map(),
        onDeviceCode: (prompt) => {
          shownCode = prompt.userCode;
          assert.ok(prompt.expiresAt > Date.now());
          // Typed in by hand at the bare verification URL, as on a second device.
          browsing = completeDeviceSignIn(page, {
            verificationUri: prompt.verificationUri,
            userCode: prompt.userCode,
          });
        },
      });
      await browsing;
      assert.match(shownCode, /^[A-Z]{4}-[A-Z]{4}$/);
      assert.equal(result.verification?.verified, true);

      const accessToken = storedAccessToken(await runtime.store?.get('device', 'access_token'));
      assert.ok(await runtime.store?.get('device', 'refresh_token'));
      await verifyAccessToken(server, accessToken);
      assert.equal((await runtime.engine.get('device')).accessToken, accessToken);

      const polls = events().filter((event) => event.grantType === deviceGrant);
      assert.deepEqual(polls.at(-1)?.outcome, 'success');
      assert.ok(
        polls
          .slice(0, -1)
          .every((event) => event.outcome === 'error' && event.detail === 'authorization_pending'),
      );
      // At the 1 s interval the server asked for, give or take timer slack.
      for (let i = 1; i < polls.length; i++)
        assert.ok(
          (polls[i]?.at ?? 0) - (polls[i - 1]?.at ?? 0) >= 950,
          'polls are at least the interval apart',
        );
      const refreshed = await runtime.engine.refresh('device');
      await verifyAccessToken(server, refreshed.accessToken);
    },
  );

  it('ends with ERR_SIGN_IN_DENIED when the user aborts on the confirmation page', testTimeout, async () => {
    const runtime = await memoryRuntime('refused');
    const { page } = await browserSession();
    let browsing: Promise<void> | undefined;
    await assert.rejects(
      signIn(runtime, 'refused', {
        flow: 'device',
        onDeviceCode: (prompt) => {
          browsing = completeDeviceSignIn(page, prompt, { abort: true });
        },
      }),
      { code: 'ERR_SIGN_IN_DENIED' },
    );
    await browsing;
    assert.equal(await runtime.store?.get('refused', 'refresh_token'), undefined);
  });
});

describe('token-agent login, as a process, into gnome-keyring', () => {
  let secrets: SecretService;
  let workspace: AgentWorkspace;

  before(async () => {
    secrets = await startSecretService();
    workspace = await createWorkspace({
      server,
      secrets,
      tokens: [{ name: 'cli-web' }, { name: 'cli-device' }],
    });
  });

  after(async () => {
    await workspace?.remove();
    await secrets?.stop();
  });

  /** Starts the built `token-agent login ARGS`, as a user's shell would. */
  function login(args: string[]): RunningCli {
    return workspace.start(['login', ...args]);
  }

  it(
    'browser flow: prints the URL, stores the tokens in the keyring, and `get` hands out the token',
    testTimeout,
    async () => {
      const running = login(['cli-web', '--no-browser']);
      const [, url] = await watchStderr(running).match(/Open this URL to sign in: (\S+)/);
      const { page } = await browserSession();
      await completeBrowserSignIn(page, url ?? '');
      const result = await running.done;
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout, '');
      assert.match(
        result.stderr,
        /Signed in to 'cli-web' \(eyJ[^)]*…\); the refresh token is in the keychain store\./,
      );
      assert.match(result.stderr, /signature checks out against the issuer's published keys \(RS256\)/);
      const refreshToken = await workspace.readSecret('cli-web', 'refresh_token');
      assert.ok(refreshToken);
      assert.ok(!result.stderr.includes(refreshToken), 'the refresh token is not printed');

      const events = eventsFromNow();
      const got = await workspace.run(['get', 'cli-web']);
      assert.equal(got.code, 0, got.stderr);
      await verifyAccessToken(server, got.stdout.trim());
      assert.ok(!result.stderr.includes(got.stdout.trim()), 'the access token is not printed');
      assert.deepEqual(events(), [], '`get` used the access token the sign-in stored');
    },
  );

  it('device flow: prints the code and URL, and stores the tokens in the keyring', testTimeout, async () => {
    const running = login(['cli-device', '--device']);
    const stderr = watchStderr(running);
    const [, verificationUri] = await stderr.match(/open (\S+) and enter the code/);
    const [, userCode] = await stderr.match(/^ {4}([A-Z]{4}-[A-Z]{4})$/m);
    const { page } = await browserSession();
    await completeDeviceSignIn(page, { verificationUri: verificationUri ?? '', userCode: userCode ?? '' });
    const result = await running.done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Signed in to 'cli-device' .*keychain store\./);
    assert.ok(await workspace.readSecret('cli-device', 'refresh_token'));
    const got = await workspace.run(['get', 'cli-device']);
    assert.equal(got.code, 0, got.stderr);
    await verifyAccessToken(server, got.stdout.trim());
  });

  it('Ctrl-C cancels the sign-in: exit 1, the listener closed, nothing stored', testTimeout, async () => {
    const running = login(['cli-web', '--no-browser']);
    const stderr = watchStderr(running);
    const [, url] = await stderr.match(/Open this URL to sign in: (\S+)/);
    await stderr.match(/Waiting up to/);
    const before = await workspace.readSecret('cli-web', 'refresh_token');
    running.child.kill('SIGINT');
    const result = await running.done;
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /ERR_SIGN_IN_CANCELLED/);
    const redirectUri = new URL(url ?? '').searchParams.get('redirect_uri') ?? '';
    // The sign-in runs in the user agent, which closes the listener once its last caller has left: a
    // moment after the client exits (a request in that moment is reset), never later than that.
    const refused = async () =>
      fetch(redirectUri).then(
        () => false,
        (error: Error & { cause?: { code?: string } }) => error.cause?.code === 'ECONNREFUSED',
      );
    await waitUntil(refused, 'nothing to listen on the redirect port', 5_000);
    assert.equal(await workspace.readSecret('cli-web', 'refresh_token'), before);
  });

  it('exits 2 for a token it cannot sign in to, having opened nothing', testTimeout, async () => {
    const result = await login(['nope']).done;
    assert.equal(result.code, 2);
    assert.match(result.stderr, /ERR_TOKEN_UNKNOWN: No token named 'nope'/);
  });
});

/** The process's stderr so far, and a wait for a pattern in it that fails if the process exits first. */
function watchStderr(running: RunningCli) {
  let text = '';
  let exited = false;
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const listener of listeners) listener();
  };
  running.child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    changed();
  });
  running.child.once('close', () => {
    exited = true;
    changed();
  });
  return {
    match(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpExecArray> {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = pattern.exec(text);
          if (found) finish(found);
          else if (exited) finish(new Error(`the process exited before printing ${pattern}:\n${text}`));
        };
        const timer = setTimeout(
          () => finish(new Error(`no ${pattern} on stderr within ${timeoutMs} ms:\n${text}`)),
          timeoutMs,
        );
        function finish(outcome: RegExpExecArray | Error) {
          clearTimeout(timer);
          listeners.delete(check);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        }
        listeners.add(check);
        check();
      });
    },
  };
}

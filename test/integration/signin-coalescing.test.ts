// One sign-in for many waiters (#12 item 6), against the real oidc-provider and a real user agent
// process: 50 callers ask the agent to sign in to one token at once (editor windows and terminals
// alike talk to it this way; three of them here are real `token-agent login --device` processes).
// The server must see one device authorization and no browser authorization, the user finishes one
// code in Chromium, and every caller ends with the same token, checked against the server's keys. A
// `get` with no terminal, asked meanwhile, must answer ERR_NEEDS_SIGN_IN at once and open nothing.
// Endpoint hits are counted by the token server itself.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import type { SignInEvent } from '../../agent/daemon/api';
import type { SignInPrompt } from '../../agent/protocol';
import {
  type AgentWorkspace,
  createWorkspace,
  type RunningCli,
  verifyAccessToken,
} from '../support/agentCli';
import {
  completeBrowserSignIn,
  completeDeviceSignIn,
  launchChromium,
  openSignInBrowser,
} from '../support/oidcPages';
import { type SecretService, startSecretService } from '../support/secretService';
import { startTokenServer, type TokenServer } from '../support/tokenServer';
import { clientOf, killLeftoverAgents, waitForAgent } from '../support/userAgent';
import { nextEvent, waitUntil } from '../support/waitFor';

const deviceGrant = 'urn:ietf:params:oauth:grant-type:device_code';
const callers = 50;
const loginProcesses = 3;

let server: TokenServer;
let secrets: SecretService;
let browser: Browser;
let workspace: AgentWorkspace;
let openerDir: string;
/** Any browser opened by anyone (agent, `get`, `login`) would write here: PATH finds this xdg-open first. */
let openedMarker: string;

before(async () => {
  server = await startTokenServer({ deviceIntervalSeconds: 1 });
  secrets = await startSecretService();
  browser = await launchChromium();
  workspace = await createWorkspace({ server, secrets, tokens: [{ name: 'shared' }, { name: 'web' }] });
  openerDir = await mkdtemp(join(tmpdir(), 'token-agent-opener-'));
  openedMarker = join(openerDir, 'opened');
  const opener = join(openerDir, 'xdg-open');
  await writeFile(opener, `#!/bin/sh\necho "$@" >> '${openedMarker}'\n`);
  await chmod(opener, 0o700);
});

after(async () => {
  if (workspace) await killLeftoverAgents([workspace]);
  await workspace?.remove();
  await rm(openerDir, { recursive: true, force: true });
  await browser?.close();
  await secrets?.stop();
  await server?.close();
});

/** A desktop as far as the opener is concerned, whose only browser is the marker script. */
function desktopEnv() {
  return { DISPLAY: ':99', PATH: `${openerDir}:${process.env.PATH ?? ''}` };
}

async function opened(): Promise<boolean> {
  return stat(openedMarker).then(
    () => true,
    () => false,
  );
}

/** One caller on the agent's socket: its prompt event, then its outcome. */
function signInCaller(signal?: AbortSignal) {
  const events: SignInEvent[] = [];
  let onPrompt!: (event: Extract<SignInEvent, { prompt: SignInPrompt }>) => void;
  const prompt = new Promise<Extract<SignInEvent, { prompt: SignInPrompt }>>((resolve) => {
    onPrompt = resolve;
  });
  const done = clientOf(workspace)
    .signIn(
      'shared',
      'device',
      (event) => {
        events.push(event);
        if ('prompt' in event) onPrompt(event);
      },
      signal,
    )
    .then(() => events);
  return { prompt, done, events };
}

describe('one sign-in for many waiters', () => {
  it(`${callers} concurrent callers: one device authorization, no browser one, one grant, one token for all`, {
    timeout: 120_000,
  }, async () => {
    // With no sign-in under way, a token read says how to sign in (and starts the agent).
    const first = await workspace.run(['get', 'shared'], { env: desktopEnv() });
    assert.equal(first.code, 1, first.stderr);
    assert.match(first.stderr, /ERR_NEEDS_SIGN_IN/);
    assert.match(first.stderr, /token-agent login shared/);
    await waitForAgent(workspace);
    const logStart = server.log.length;
    const deviceHitsBefore = server.hits('/device/auth');
    const authHitsBefore = server.hits('/auth');

    // 47 socket clients and 3 `login --device` processes, all at once, plus two that will leave.
    const socketCallers = Array.from({ length: callers - loginProcesses }, () => signInCaller());
    const logins = Array.from({ length: loginProcesses }, () =>
      workspace.start(['login', 'shared', '--device'], { env: desktopEnv() }),
    );
    const loginStderr = logins.map(stderrOf);
    const disconnecting = new AbortController();
    const leavers = [signInCaller(disconnecting.signal), signInCaller()];

    const prompts = await Promise.all([...socketCallers, ...leavers].map((caller) => caller.prompt));
    const codes = new Set(prompts.map((event) => event.prompt.flow === 'device' && event.prompt.userCode));
    assert.equal(codes.size, 1, 'every caller shows the same code');
    const starters = prompts.filter((event) => !event.joined).length;
    assert.ok(starters <= 1, `at most one socket caller started the flight (${starters})`);
    assert.equal(new Set(prompts.map((event) => event.id)).size, prompts.length, 'each has its own id');
    const [prompt] = prompts.map((event) => event.prompt);
    assert.ok(prompt?.flow === 'device');
    for (const stderr of loginStderr)
      await waitUntil(
        () => stderr().includes(prompt.userCode),
        'a login process to print the shared code',
        30_000,
      );

    // Two callers leave (one hangs up, one says so by its id): the flight goes on for the others.
    disconnecting.abort();
    const leaver = leavers[1];
    const leaverPrompt = await leaver?.prompt;
    assert.deepEqual(await clientOf(workspace).leaveSignIn('shared', leaverPrompt?.id ?? ''), { left: true });
    const leaverLast = (await leaver?.done)?.at(-1);
    assert.deepEqual(
      leaverLast && 'error' in leaverLast ? leaverLast.error.code : leaverLast,
      'ERR_SIGN_IN_CANCELLED',
    );

    // A token read with no terminal, during the flight: ERR_NEEDS_SIGN_IN at once, no prompt, nothing opened.
    const during = await workspace.run(['get', 'shared'], { env: desktopEnv() });
    assert.equal(during.code, 1, during.stderr);
    assert.equal(during.stdout, '');
    assert.match(during.stderr, /ERR_NEEDS_SIGN_IN/);
    assert.match(during.stderr, /already in progress/);
    assert.ok(!during.stderr.includes(prompt.userCode), 'a script never sees the code');
    const helper = await workspace.run(['kube-credential', 'shared'], {
      env: {
        ...desktopEnv(),
        KUBERNETES_EXEC_INFO: JSON.stringify({
          apiVersion: 'client.authentication.k8s.io/v1',
          kind: 'ExecCredential',
          spec: { interactive: false },
        }),
      },
    });
    assert.notEqual(helper.code, 0);
    assert.match(helper.stderr, /ERR_NEEDS_SIGN_IN/);
    assert.equal(server.hits('/device/auth') - deviceHitsBefore, 1, 'still one device authorization');

    // The user finishes the one code.
    const session = await openSignInBrowser(browser);
    try {
      await completeDeviceSignIn(session.page, prompt);
    } finally {
      await session.close();
    }
    const outcomes = await Promise.all(socketCallers.map((caller) => caller.done));
    const loginResults = await Promise.all(logins.map((login) => login.done));

    const results = outcomes.map((events) => events.at(-1));
    for (const result of results) assert.ok(result && 'result' in result, JSON.stringify(result));
    const previews = new Set(
      results.map((result) => result && 'result' in result && result.result.accessTokenPreview),
    );
    assert.equal(previews.size, 1, 'one outcome for every socket caller');
    for (const login of loginResults) {
      assert.equal(login.code, 0, login.stderr);
      assert.match(login.stderr, /already in progress/);
      assert.match(login.stderr, /Signed in to 'shared'/);
    }

    // Every caller's token is the same, and valid by the server's published keys.
    const client = clientOf(workspace);
    const tokens = await Promise.all(
      Array.from({ length: callers }, () =>
        client.getToken('shared', 0).then((answer) => answer.access_token),
      ),
    );
    assert.equal(new Set(tokens).size, 1, 'one token for all callers');
    const token = tokens[0] ?? '';
    await verifyAccessToken(server, token);
    assert.ok([...previews][0] === `${token.slice(0, 8)}…`, 'the sign-in obtained that token');
    const after = await workspace.run(['get', 'shared']);
    assert.equal(after.code, 0, after.stderr);
    assert.equal(after.stdout.trim(), token);

    const grants = server.log.slice(logStart).filter((event) => event.outcome === 'success');
    const deviceAuthorizations = server.hits('/device/auth') - deviceHitsBefore;
    const browserAuthorizations = server.hits('/auth') - authHitsBefore;
    const polls = server.log.slice(logStart).filter((event) => event.grantType === deviceGrant).length;
    console.log(
      `coalescing: ${callers} callers (+2 that left), device authorizations ${deviceAuthorizations}, /auth hits ${browserAuthorizations}, successful grants ${grants.length}, device-code polls ${polls}`,
    );
    assert.equal(deviceAuthorizations, 1, 'one device authorization for every caller');
    assert.equal(browserAuthorizations, 0, 'no browser sign-in was started');
    assert.deepEqual(
      grants.map((event) => event.grantType),
      [deviceGrant],
      'one grant, and no refresh spent on the new tokens',
    );
    assert.equal(await opened(), false, 'nothing opened a browser');
  });
  it('two browser logins at once open one browser tab, and both end signed in', {
    timeout: 90_000,
  }, async () => {
    const authHitsBefore = server.hits('/auth');
    const logins = [0, 1].map(() => workspace.start(['login', 'web'], { env: desktopEnv() }));
    const stderr = logins.map(stderrOf);
    const urls = await Promise.all(
      stderr.map((text) =>
        nextEvent(
          () => /Open this URL to sign in: (\S+)/.exec(text())?.[1],
          'a login to print its URL',
          30_000,
        ),
      ),
    );
    assert.equal(new Set(urls).size, 1, 'both show the one authorization URL');
    // The opener runs detached; the one that was asked to has written its line by the time it exits.
    const openedUrls = await nextEvent(
      async () => {
        const lines = (await readFile(openedMarker, 'utf8').catch(() => '')).split('\n').filter(Boolean);
        return lines.length > 0 ? lines : undefined;
      },
      'the first login to open the browser',
      15_000,
    );
    const session = await openSignInBrowser(browser);
    try {
      await completeBrowserSignIn(session.page, urls[0] ?? '');
    } finally {
      await session.close();
    }
    const results = await Promise.all(logins.map((login) => login.done));
    for (const result of results) {
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /Signed in to 'web'/);
    }
    assert.equal(
      results.filter((result) => result.stderr.includes('already in progress')).length,
      1,
      'one login joined the other',
    );
    const finalOpened = (await readFile(openedMarker, 'utf8')).split('\n').filter(Boolean);
    console.log(
      `coalescing (browser): 2 logins, browser tabs opened ${finalOpened.length}, /auth hits ${server.hits('/auth') - authHitsBefore}`,
    );
    assert.deepEqual(finalOpened, openedUrls);
    assert.deepEqual(finalOpened, [urls[0]], 'one tab, at the shared URL');
    const got = await workspace.run(['get', 'web']);
    assert.equal(got.code, 0, got.stderr);
    await verifyAccessToken(server, got.stdout.trim());
  });
});

/** A running process's stderr so far. */
function stderrOf(running: RunningCli): () => string {
  let text = '';
  running.child.stderr.on('data', (chunk: Buffer) => {
    text += chunk.toString();
  });
  return () => text;
}

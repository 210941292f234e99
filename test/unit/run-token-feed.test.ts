// `run --file` follows the agent's status: a token the agent replaced is fetched and handed on once;
// a status that changes nothing fetches nothing; a failed fetch is said once and tried again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TokenAnswer } from '../../agent/daemon/api';
import type { AgentClient } from '../../agent/daemon/client';
import type { AgentStatus } from '../../agent/protocol';
import { TokenFeed } from '../../agent/run/tokenFeed';
import { nextEvent } from '../support/waitFor';

const now = 1_800_000_000_000;

/** A stand-in for the agent: hands out the token it holds, and pushes statuses when told. */
class FakeAgent {
  held = { token: 'fake-token-1', expiresAt: now + 300_000 };
  fetches = 0;
  failNext = 0;
  #push: ((status: AgentStatus) => void) | undefined;
  #end: (() => void) | undefined;

  readonly client = {
    getToken: async (): Promise<TokenAnswer> => {
      this.fetches++;
      if (this.failNext > 0) {
        this.failNext--;
        throw Object.assign(new Error('no answer in time'), { code: 'ERR_FAKE' });
      }
      return {
        access_token: this.held.token,
        token_type: 'Bearer',
        expires_at: Math.floor(this.held.expiresAt / 1000),
        expires_in: 300,
      };
    },
    events: (onStatus: (status: AgentStatus) => void, signal?: AbortSignal) =>
      new Promise<void>((resolve) => {
        this.#push = onStatus;
        this.#end = resolve;
        signal?.addEventListener('abort', () => resolve());
      }),
  } as unknown as AgentClient;

  push(): void {
    this.#push?.({ tokens: [{ name: 'api', expiresAt: this.held.expiresAt }] } as unknown as AgentStatus);
  }

  get following(): boolean {
    return this.#push !== undefined;
  }

  end(): void {
    this.#end?.();
  }
}

function feedOf(agent: FakeAgent) {
  const tokens: string[] = [];
  const warnings: string[] = [];
  const feed = new TokenFeed({
    names: ['api', 'api'],
    minValidSeconds: 0,
    connect: async () => agent.client,
    onToken: async (_name, answer) => {
      tokens.push(answer.access_token);
    },
    warn: (message) => warnings.push(message),
    now: () => now,
  });
  return { feed, tokens, warnings };
}

describe('the token feed of run --file', () => {
  it('fetches once at the start, then only when the agent holds another token', async () => {
    const agent = new FakeAgent();
    const { feed, tokens } = feedOf(agent);
    await feed.start(agent.client);
    assert.deepEqual(tokens, ['fake-token-1']);
    assert.equal(agent.fetches, 1, 'one fetch for a name bound twice');
    feed.follow();
    await nextEvent(() => agent.following || undefined, 'the feed to follow the agent');
    agent.push();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(agent.fetches, 1, 'the same expiry: nothing fetched');
    agent.held = { token: 'fake-token-2', expiresAt: now + 600_000 };
    agent.push();
    await nextEvent(() => (tokens.length === 2 ? true : undefined), 'the new token');
    assert.deepEqual(tokens, ['fake-token-1', 'fake-token-2']);
    feed.stop();
  });

  it('says a failed fetch once and hands on the next token', async () => {
    const agent = new FakeAgent();
    const { feed, tokens, warnings } = feedOf(agent);
    await feed.start(agent.client);
    feed.follow();
    await nextEvent(() => agent.following || undefined, 'the feed to follow the agent');
    agent.held = { token: 'fake-token-3', expiresAt: now + 600_000 };
    agent.failNext = 2;
    agent.push();
    agent.push();
    agent.push();
    await nextEvent(() => (tokens.length === 2 ? true : undefined), 'the token after the failures');
    assert.deepEqual(tokens, ['fake-token-1', 'fake-token-3']);
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0] ?? '', /could not refresh 'api' for the program: ERR_FAKE: no answer in time/);
    assert.equal(warnings.join('').includes('fake-token'), false, 'no token in a warning');
    feed.stop();
  });

  it("adopts a token fetched before it (the small entry point's): not handed on again, replaced when the agent replaces it", async () => {
    const agent = new FakeAgent();
    const { feed, tokens } = feedOf(agent);
    feed.adopt('api', await agent.client.getToken('api', 0));
    feed.follow();
    await nextEvent(() => agent.following || undefined, 'the feed to follow the agent');
    agent.push();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(agent.fetches, 1, 'the adopted expiry: nothing fetched');
    assert.deepEqual(tokens, [], 'the adopted token is not handed on');
    agent.held = { token: 'fake-token-4', expiresAt: now + 600_000 };
    agent.push();
    await nextEvent(() => (tokens.length === 1 ? true : undefined), 'the new token');
    assert.deepEqual(tokens, ['fake-token-4']);
    feed.stop();
  });

  it('throws when a token cannot be had at the start', async () => {
    const agent = new FakeAgent();
    agent.failNext = 1;
    const { feed } = feedOf(agent);
    await assert.rejects(feed.start(agent.client), /no answer in time/);
    feed.stop();
  });
});

// Rotation first: the refresh token of a 200 answer is kept before the rest of the answer is judged,
// through the same "nothing received is dropped" path as any rotated refresh token (pendingSave.ts):
// into the store, or into the slot's memory while the store refuses it. A refused answer then never
// makes the next refresh present the retired token, which a rotating provider punishes by revoking
// the grant.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { RefreshCoordinator, TeamLease } from '../../agent/engine/coordinator';
import { type Rig, rig, rigsInTempDir } from './engine-harness';

describe('a refused 200 answer that rotated the refresh token', () => {
  const { dataDir, rigs } = rigsInTempDir();

  async function made(): Promise<Rig> {
    const one = await rig(join(dataDir.dir, `rig-${rigs.length}`), { schedule: false });
    rigs.push(one);
    return one;
  }

  it('stores the new refresh token, fails naming the field, and the next refresh presents the new one', async () => {
    const { engine, idp, store } = await made();
    idp.reshapes.push((body) => ({ ...body, expires_in: -100 }));
    await assert.rejects(engine.get('api'), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'ERR_TOKEN_ENDPOINT_RESPONSE');
      assert.match(error.message, /expires_in is negative/);
      return true;
    });
    const rotated = idp.live;
    assert.equal(await store.inner.get('api', 'refresh_token'), rotated);
    assert.equal(engine.state('api').lastError?.code, 'ERR_TOKEN_ENDPOINT_RESPONSE');

    const token = await engine.refresh('api');
    assert.ok(token.accessToken.startsWith('at-'));
    assert.equal(idp.presented.at(-1), rotated);
    assert.equal(idp.reuse, 0);
  });

  it('while the store refuses writes, keeps the new refresh token in memory and refreshes with it', async () => {
    const { engine, idp, store } = await made();
    const stored = await store.inner.get('api', 'refresh_token');
    store.refuse = new Set(['refresh_token', 'access_token']);
    idp.reshapes.push((body) => ({ ...body, access_token: '' }));
    await assert.rejects(engine.get('api'), /access_token is empty/);
    const rotated = idp.live;
    assert.equal(await store.inner.get('api', 'refresh_token'), stored, 'the store took nothing');
    assert.match(engine.state('api').pendingSave?.message ?? '', /refresh token/);

    const token = await engine.refresh('api');
    assert.ok(token.accessToken.startsWith('at-'));
    assert.equal(idp.presented.at(-1), rotated, 'the kept token, never the stored one');
    assert.equal(idp.reuse, 0);
  });

  it('takes an answer real providers send: expires_in as a string, no token_type, scope as a list', async () => {
    const { engine, idp, clock } = await made();
    idp.reshapes.push(({ token_type: _omitted, ...body }) => ({
      ...body,
      expires_in: '1800',
      scope: ['api:read', 'offline_access'],
    }));
    const token = await engine.get('api');
    assert.equal(token.expiresAt, clock.now() + 1_800_000);
    assert.equal(engine.state('api').expiryAssumed, undefined);
    assert.equal(idp.reuse, 0);
  });
});

describe('a refused 200 answer under a team lease', () => {
  const { dataDir, rigs } = rigsInTempDir();

  /** A team that always grants the lease and records what its commit received. */
  function fakeTeam() {
    const commits: (string | undefined)[] = [];
    let released = 0;
    const lease: TeamLease = {
      fence: 1,
      commit: async (_token, rotated) => {
        commits.push(rotated);
        return { outcome: 'committed' };
      },
      release: async () => {
        released += 1;
      },
    };
    const coordinator: RefreshCoordinator = {
      health: () => ({ state: 'ok' }),
      shares: () => true,
      latest: async () => undefined,
      acquire: async () => lease,
      close: async () => undefined,
    };
    return { coordinator, commits, released: () => released };
  }

  it('commits nothing to the team, keeps the new refresh token on this machine, and refreshes with it next', async () => {
    const team = fakeTeam();
    const one = await rig(join(dataDir.dir, 'team'), { schedule: false, coordinator: team.coordinator });
    rigs.push(one);
    const { engine, idp, store } = one;
    idp.reshapes.push((body) => ({ ...body, token_type: 'mac' }));
    await assert.rejects(engine.get('api'), /token_type is not Bearer/);
    const rotated = idp.live;
    assert.deepEqual(team.commits, [], 'no token to publish');
    assert.equal(team.released(), 1);
    // replica.ts publishes a local copy that changed since the last exchange with the next token.
    assert.equal(await store.inner.get('api', 'refresh_token'), rotated);

    await engine.refresh('api');
    assert.equal(idp.presented.at(-1), rotated);
    assert.equal(idp.reuse, 0);
    assert.deepEqual(team.commits, [idp.live], 'the next token is published with its refresh token');
  });
});

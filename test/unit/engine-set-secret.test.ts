// A refresh token stored while a refresh is in flight is used: setSecret waits for that refresh and
// then refreshes with what is stored, rather than reporting the outcome of a refresh that started
// before the secret existed. (The fault suite found the bug in CI: a new agent's first refresh, with
// no refresh token yet, was finishing when the user's arrived; joining it left the token with no
// error, no timer and no token.) Whatever the interleaving, the token ends fresh and no retired
// refresh token is ever presented.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import type { SecretKind } from '../../agent/store/secretStore';
import { refreshDefinition, rig, rigsInTempDir, TestStore, until } from './engine-harness';

/** A store whose refresh-token reads answer what was stored when asked, but only once released. */
class HeldReads extends TestStore {
  held: (() => void)[] = [];
  holding = true;

  override async get(tokenName: string, kind: SecretKind): Promise<string | undefined> {
    const value = await super.get(tokenName, kind);
    if (kind === 'refresh_token' && this.holding) await new Promise<void>((go) => this.held.push(go));
    return value;
  }
}

describe('setSecret during a refresh', () => {
  const { dataDir, rigs } = rigsInTempDir();

  it('refreshes with the stored refresh token after the refresh in flight, and never presents a retired one', async () => {
    const store = new HeldReads();
    const made = await rig(join(dataDir.dir, 'held'), { store });
    rigs.push(made);
    const { engine, idp } = made;
    const live = idp.live ?? '';
    await store.inner.delete('api', 'refresh_token');
    // The first refresh reads "no refresh token" and is held there.
    const first = engine.get('api').catch((error: unknown) => error);
    await until(() => store.held.length === 1, 'the first refresh to read the store');
    const set = engine.setSecret('api', 'refresh_token', live);
    await until(() => store.writes > 0, 'the new refresh token to be stored');
    store.holding = false;
    for (const go of store.held.splice(0)) go();
    await set;
    await first;
    const state = engine.state('api');
    assert.equal(state.phase, 'fresh', JSON.stringify(state));
    assert.equal(idp.reuse, 0, 'no retired refresh token presented');
    assert.ok(idp.calls >= 1 && idp.calls <= 2, `${idp.calls} refreshes`);
  });
});

describe('useStore', () => {
  const { dataDir, rigs } = rigsInTempDir();

  it('starts an engine made without a secret store once the store can be opened', async () => {
    const made = await rig(join(dataDir.dir, 'late'));
    rigs.push(made);
    const engine = new TokenEngine({
      definitions: [refreshDefinition('api')],
      store: undefined,
      storeError: new TokenAgentError(codes.storeLocked, 'The keyring is locked (test).'),
      dataDir: join(dataDir.dir, 'late-engine'),
      schedule: false,
      now: made.clock.now,
      timers: made.clock,
      fetch: made.idp.fetch,
    });
    await assert.rejects(engine.get('api'), { code: codes.storeLocked });
    await engine.useStore(made.store);
    const token = await engine.get('api');
    assert.match(token.accessToken, /^at-/);
    assert.equal(engine.state('api').phase, 'fresh');
    engine.stop();
  });
});

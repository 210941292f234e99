// Definitions change in place (setDefinitions): new names get a slot, removed ones lose theirs (but
// not their secrets), changed ones keep the held token when the grant is the same, and untouched
// tokens keep their timers, state and refreshes in flight. Listeners hear one change.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { OAuth2ClientCredentialsDefinition, TokenDefinition } from '../../agent/config/types';
import { sameDefinition, sameGrant } from '../../agent/engine/definitions';
import { waitUntil } from '../support/waitFor';
import { type Rig, refreshDefinition, rig, rigsInTempDir, tokenEndpoint } from './engine-harness';

const api = refreshDefinition('api');
const svc: OAuth2ClientCredentialsDefinition = {
  name: 'svc',
  type: 'oauth2-client-credentials',
  tokenEndpoint,
  clientId: 'svc',
  refreshBeforeSeconds: 120,
  refreshBudgetPerHour: 60,
};

describe('sameDefinition and sameGrant', () => {
  it('compare deeply, ignoring key order and absent-versus-undefined keys', () => {
    assert.equal(sameDefinition({ ...api }, { ...api, scope: undefined }), true);
    assert.equal(sameDefinition(api, { ...api, refreshBeforeSeconds: 60 }), false);
    assert.equal(
      sameDefinition(
        { name: 'c', type: 'command', command: ['a', 'b'] },
        { type: 'command', command: ['a', 'b'], name: 'c' },
      ),
      true,
    );
    assert.equal(sameDefinition({ command: ['a', 'b'] }, { command: ['a', 'c'] }), false);
  });

  it('a grant is its type, endpoint, issuer and client', () => {
    assert.equal(sameGrant(api, { ...api, scope: 'more', refreshBeforeSeconds: 10 }), true);
    assert.equal(sameGrant(api, { ...api, clientId: 'other' }), false);
    assert.equal(
      sameGrant(api, refreshDefinition('api', { tokenEndpoint: 'https://idp.test/other' })),
      false,
    );
    assert.equal(sameGrant(api, { ...svc, name: 'api' } as TokenDefinition), false);
  });
});

describe('TokenEngine.setDefinitions', () => {
  const { dataDir, rigs } = rigsInTempDir();

  /** A started engine holding fresh tokens for `api` and `svc`, with a change counter. */
  async function running(): Promise<Rig & { changes: () => number }> {
    const made = await rig(join(dataDir.dir, `rig-${rigs.length}`), { definitions: [api, svc] });
    rigs.push(made);
    await made.store.inner.set('svc', 'client_secret', 'svc-secret');
    await made.engine.start();
    await made.advance(0);
    assert.equal(made.idp.calls, 2);
    let changes = 0;
    made.engine.onChange(() => changes++);
    return { ...made, changes: () => changes };
  }

  const set = async (made: Rig, definitions: TokenDefinition[]) => {
    made.engine.setDefinitions(definitions);
    await made.engine.idle();
  };

  it('adds a new name: loaded, scheduled, one change', async () => {
    const made = await running();
    const third = { ...svc, name: 'third' };
    await made.store.inner.set('third', 'client_secret', 'third-secret');
    await set(made, [api, svc, third]);
    assert.deepEqual(made.engine.names(), ['api', 'svc', 'third']);
    assert.equal(made.changes(), 1);
    assert.equal(made.engine.state('third').nextRefreshAt, made.clock.now(), 'nothing held: due now');
    await made.advance(0);
    assert.equal(made.idp.calls, 3);
    assert.equal(made.engine.state('third').phase, 'fresh');
  });

  it('removes a name: its timer and slot go, its secrets stay, the others are untouched', async () => {
    const made = await running();
    const apiState = made.engine.state('api');
    const timers = made.clock.pending;
    await set(made, [api]);
    assert.deepEqual(made.engine.names(), ['api']);
    assert.equal(made.changes(), 1);
    assert.equal(made.clock.pending, timers - 1, 'the removed token has no timer left');
    assert.ok(await made.store.inner.get('svc', 'access_token'), 'its secrets are kept');
    assert.equal(await made.store.inner.get('svc', 'client_secret'), 'svc-secret');
    assert.deepEqual(made.engine.state('api'), apiState);
    await assert.rejects(made.engine.get('svc'), { code: 'ERR_TOKEN_UNKNOWN' });
  });

  it('a removed token whose refresh is in flight: the refresh ends, and the slot stays gone', async () => {
    const made = await running();
    made.clock.tick(11_000);
    made.idp.hold();
    const inFlight = made.engine.refresh('svc');
    await waitUntil(() => made.idp.calls === 3, 'the refresh to reach the token endpoint');
    made.engine.setDefinitions([api]);
    made.idp.open();
    assert.match((await inFlight).accessToken, /^at-/, 'the caller still gets its token');
    await made.engine.idle();
    assert.deepEqual(made.engine.names(), ['api']);
    assert.equal(made.clock.pending, 1, "only api's timer");
  });

  it('a changed definition with the same grant keeps the held token and reschedules by the new lead', async () => {
    const made = await running();
    const held = await made.engine.get('api');
    const svcState = made.engine.state('svc');
    await set(made, [{ ...api, refreshBeforeSeconds: 600 }, svc]);
    assert.deepEqual(await made.engine.get('api'), held);
    assert.equal(made.idp.calls, 2, 'no refresh');
    const state = made.engine.state('api');
    assert.equal(state.refreshBeforeSeconds, 600);
    assert.ok((state.nextRefreshAt ?? 0) <= (held.expiresAt ?? 0) - 600_000);
    assert.deepEqual(made.engine.state('svc'), svcState, 'the other token is untouched');
    assert.equal(made.changes(), 1);
  });

  it('a changed grant drops the held token and does not adopt the stored one', async () => {
    const made = await running();
    const held = await made.engine.get('api');
    made.clock.tick(1_000);
    await set(made, [{ ...api, clientId: 'other-client' }, svc]);
    assert.equal(made.engine.state('api').nextRefreshAt, made.clock.now(), 'due now');
    await made.advance(0);
    const fresh = await made.engine.get('api');
    assert.notEqual(fresh.accessToken, held.accessToken);
    assert.equal(made.idp.calls, 3);
  });

  it("a changed definition while its refresh is in flight: callers share that refresh's end", async () => {
    const made = await running();
    made.clock.tick(11_000);
    made.idp.hold();
    const first = made.engine.refresh('api');
    await waitUntil(() => made.idp.calls === 3, 'the refresh to reach the token endpoint');
    made.engine.setDefinitions([{ ...api, scope: 'more' }, svc]);
    // More than the held token has left, less than a fresh one lives: this get must refresh, and joins.
    const second = made.engine.get('api', { minValidSeconds: 3_595 });
    made.idp.open();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.accessToken, b.accessToken);
    assert.equal(made.idp.calls, 3, 'one refresh');
    await made.engine.idle();
    assert.equal(made.idp.reuse, 0);
    assert.equal(made.clock.pending, 2, 'one timer per token');
  });

  it('the same definitions again change nothing and say nothing', async () => {
    const made = await running();
    const timers = made.clock.pending;
    await set(made, [{ ...api }, { ...svc }]);
    assert.equal(made.changes(), 0);
    assert.equal(made.clock.pending, timers);
  });
});

// The secret-store harness is a real Secret Service, and @github/keytar against it behaves as measured
// here: in particular how it fails (message texts the agent will recognise), fast and without hanging.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  type KeytarOutcome,
  keytarInChild,
  type SecretService,
  startKeytarProcess,
  startSecretService,
} from '../support/secretService';

const service = 'token-agent-test';
const fakeSecret = () => `fake-refresh-token-${randomUUID()}`;

const errorOf = (outcome: KeytarOutcome) => {
  assert.equal(outcome.outcome, 'error', `expected an error, got ${JSON.stringify(outcome)}`);
  return outcome.outcome === 'error' ? outcome.message : '';
};

describe('keytar against the harness Secret Service', () => {
  let store: SecretService;

  before(async () => {
    store = await startSecretService();
  });

  after(() => store.stop());

  it('stores, reads and deletes a secret in the gnome-keyring login keyring', async () => {
    const account = `round-trip-${randomUUID()}`;
    const secret = fakeSecret();
    assert.deepEqual(await keytarInChild(store.env, 'setPassword', service, account, secret), {
      outcome: 'value',
      value: null,
    });
    assert.deepEqual(await keytarInChild(store.env, 'getPassword', service, account), {
      outcome: 'value',
      value: secret,
    });
    assert.ok(
      existsSync(join(store.env.XDG_DATA_HOME ?? '', 'keyrings', 'login.keyring')),
      'the secret went to the keyring under the harness HOME, not anywhere else',
    );
    assert.deepEqual(await keytarInChild(store.env, 'deletePassword', service, account), {
      outcome: 'value',
      value: true,
    });
    assert.deepEqual(await keytarInChild(store.env, 'getPassword', service, account), {
      outcome: 'value',
      value: null,
    });
  });

  it('without a keyring daemon on the bus, fails with a plain error; a restart keeps the secrets', async () => {
    const account = `restart-${randomUUID()}`;
    const secret = fakeSecret();
    await keytarInChild(store.env, 'setPassword', service, account, secret);
    await store.stopKeyring();
    assert.equal(
      errorOf(await keytarInChild(store.env, 'getPassword', service, account)),
      'The name org.freedesktop.secrets was not provided by any .service files',
    );
    await store.startKeyring();
    assert.deepEqual(await keytarInChild(store.env, 'getPassword', service, account), {
      outcome: 'value',
      value: secret,
    });
  });

  it('a long-lived process does not recover when the keyring daemon restarts', async () => {
    // libsecret remembers the daemon's unique bus name; the agent must restart (or reconnect in a fresh
    // process) after this error, retrying in-process cannot help.
    const keytar = startKeytarProcess(store.env);
    try {
      const account = `long-lived-${randomUUID()}`;
      assert.equal((await keytar.call('setPassword', service, account, fakeSecret())).outcome, 'value');
      await store.stopKeyring();
      await store.startKeyring();
      assert.match(
        errorOf(await keytar.call('getPassword', service, account)),
        /^The name :[\d.]+ was not provided by any \.service files$/,
      );
    } finally {
      await keytar.close();
    }
  });

  it('when the keyring is locked: reads answer null, writes fail, findCredentials crashes the process', async () => {
    const account = `locked-${randomUUID()}`;
    await keytarInChild(store.env, 'setPassword', service, account, fakeSecret());
    await store.lock();
    try {
      // A stored secret reads as "none": the agent must not take null for "signed out" without
      // checking whether the store is usable.
      assert.deepEqual(await keytarInChild(store.env, 'getPassword', service, account), {
        outcome: 'value',
        value: null,
      });
      assert.equal(
        errorOf(await keytarInChild(store.env, 'setPassword', service, account, fakeSecret())),
        'Cannot create an item in a locked collection',
      );
      const found = await keytarInChild(store.env, 'findCredentials', service);
      assert.equal(found.outcome, 'crash');
      assert.equal(found.outcome === 'crash' && found.signal, 'SIGSEGV');
    } finally {
      // Unlocking needs a prompt; a restart with the password unlocks it again.
      await store.stopKeyring();
      await store.startKeyring();
    }
  });
});

describe('keytar with no usable Secret Service', () => {
  it('fails fast when the bus address points to nothing', async () => {
    const outcome = await keytarInChild(
      { DBUS_SESSION_BUS_ADDRESS: `unix:path=/nonexistent/${randomUUID()}/bus` },
      'getPassword',
      service,
      'nobody',
    );
    assert.equal(errorOf(outcome), 'Could not connect: No such file or directory');
  });

  it('fails fast when there is no session bus at all', async () => {
    const outcome = await keytarInChild(
      { DBUS_SESSION_BUS_ADDRESS: undefined, DISPLAY: undefined },
      'getPassword',
      service,
      'nobody',
    );
    assert.equal(errorOf(outcome), 'Cannot autolaunch D-Bus without X11 $DISPLAY');
  });

  it('fails writes when the login keyring was never unlocked (fresh HOME)', async () => {
    const store = await startSecretService({ keyring: false });
    try {
      await store.startKeyring({ unlock: false });
      assert.deepEqual(await keytarInChild(store.env, 'getPassword', service, 'nobody'), {
        outcome: 'value',
        value: null,
      });
      // Note the curly quotes around the path.
      assert.equal(
        errorOf(await keytarInChild(store.env, 'setPassword', service, 'nobody', fakeSecret())),
        'Object does not exist at path “/org/freedesktop/secrets/collection/login”',
      );
    } finally {
      await store.stop();
    }
  });

  it('reads DBUS_SESSION_BUS_ADDRESS at the first successful connection, then keeps it', async () => {
    const store = await startSecretService();
    const nowhere = `unix:path=/nonexistent/${randomUUID()}/bus`;
    const keytar = startKeytarProcess({ ...store.env, DBUS_SESSION_BUS_ADDRESS: nowhere });
    try {
      const account = `env-${randomUUID()}`;
      assert.equal(
        errorOf(await keytar.call('getPassword', service, account)),
        'Could not connect: No such file or directory',
      );
      // A failed connection is not remembered: the address is read again at the next call.
      await keytar.setEnv('DBUS_SESSION_BUS_ADDRESS', store.env.DBUS_SESSION_BUS_ADDRESS ?? '');
      assert.equal((await keytar.call('setPassword', service, account, fakeSecret())).outcome, 'value');
      // A working one is: changing the variable afterwards has no effect.
      await keytar.setEnv('DBUS_SESSION_BUS_ADDRESS', nowhere);
      assert.equal((await keytar.call('deletePassword', service, account)).outcome, 'value');
    } finally {
      await keytar.close();
      await store.stop();
    }
  });
});

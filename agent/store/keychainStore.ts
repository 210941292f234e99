// The default tier: the OS keychain through @github/keytar (libsecret and the Secret Service on Linux).
//
// keytar reports every failure as a plain Error whose message comes from GLib or D-Bus, so this module
// is the one place that reads those messages and turns them into ERR_STORE_UNAVAILABLE or
// ERR_STORE_LOCKED; everything above it branches on the code. Observed with libsecret 0.21:
//   no bus address:       "Cannot autolaunch D-Bus without X11 $DISPLAY"
//   bus socket missing:   "Could not connect: No such file or directory"
//   no Secret Service:    "The name org.freedesktop.secrets was not provided by any .service files"
//   bus gone mid-session: "The connection is closed"
//   no login collection:  "Object does not exist at path “/org/freedesktop/secrets/collection/login”"
//   locked collection:    "Cannot create an item in a locked collection" (on a write)
//   daemon restarted:     "The name :1.42 was not provided by any .service files"
//
// The last one never heals inside the process: libsecret caches the daemon's unique bus name, and the
// watch that would forget it never fires, since keytar runs libsecret on a worker thread without a
// main loop (test/integration/secret-service.test.ts measures it). So after that error, or a closed
// bus connection, the store reopens itself once per call: by default onto a keytar that runs each
// call in a fresh Node process, whose libsecret connects to whichever daemon owns the name now.
import { spawn } from 'node:child_process';
import type * as Keytar from '@github/keytar';
import { codes, TokenAgentError } from '../base/errors';
import type { SecretKind, SecretStore } from './types';

export type KeytarApi = Pick<typeof Keytar, 'getPassword' | 'setPassword' | 'deletePassword'>;

export const keychainService = 'token-agent';

/** Holds no secret; it contains no `/`, so it cannot collide with a `${tokenName}/${kind}` account. */
export const probeAccount = 'token-agent-probe';

export function keychainAccount(tokenName: string, kind: SecretKind): string {
  return `${tokenName}/${kind}`;
}

/**
 * keytar is a native addon that esbuild keeps external and that is shipped beside the bundle. It is
 * required on first use, not imported, so that the agent still starts (and reports
 * ERR_STORE_UNAVAILABLE) when the addon or libsecret is missing.
 */
export function loadKeytar(): KeytarApi {
  return require('@github/keytar') as KeytarApi;
}

// Kept here rather than imported from secretStore.ts, which imports this module; `satisfies` keeps the
// two lists in step.
const allKinds = Object.keys({
  refresh_token: true,
  client_secret: true,
  access_token: true,
  static_token: true,
} as const satisfies Record<SecretKind, true>) as SecretKind[];

export interface KeychainStoreOptions {
  keytar: KeytarApi;
  /** Budget of each keytar call, in milliseconds. */
  timeoutMs?: number;
  service?: string;
  /**
   * A new connection to the Secret Service, called after a failure that only a new connection can
   * fix (see the top of this file); its keytar replaces the old one. By default `spawnedKeytar`.
   */
  reopen?: () => KeytarApi;
  /** Told once each time the store reopens, for the agent's log; never given a secret. */
  onReopen?: (reason: string) => void;
}

// A stale unique name (":1.42") means the daemon that owned org.freedesktop.secrets is gone and a new
// one may own it; "The connection is closed" means the bus connection itself died.
const reconnectMessages = [
  /^The name :[\d.]+ was not provided by any \.service files$/,
  /connection is closed/i,
  // After a daemon restart, libsecret's cached session is gone: writes fail with this until a new
  // connection is made (reads fail with the message above, so a read alone used to cure it).
  /The session wrapping the secret does not exist/i,
];

/** Whether a keytar failure is one that a new connection (a fresh libsecret) can cure. */
export function needsReconnect(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  return reconnectMessages.some((pattern) => pattern.test(message));
}

export class KeychainStore implements SecretStore {
  readonly tier = 'keychain';
  readonly plaintext = false;
  #keytar: KeytarApi;
  readonly #timeoutMs: number;
  readonly #service: string;
  readonly #reopen: () => KeytarApi;
  readonly #onReopen: ((reason: string) => void) | undefined;
  /**
   * Calls that timed out but have not returned. Each one occupies a libuv thread-pool thread (four by
   * default, shared with fs and dns), so while one is outstanding new calls fail fast instead of piling
   * up and stalling the agent's file I/O.
   */
  #stuck = 0;

  constructor(options: KeychainStoreOptions) {
    const { keytar, timeoutMs = 10_000, service = keychainService } = options;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      throw new TypeError('timeoutMs must be a positive number');
    this.#keytar = keytar;
    this.#timeoutMs = timeoutMs;
    this.#service = service;
    this.#reopen = options.reopen ?? (() => spawnedKeytar({ timeoutMs }));
    this.#onReopen = options.onReopen;
  }

  /**
   * Proves the store usable: a read finds a missing bus or daemon, and a write of the probe account
   * finds a locked collection, because libsecret answers a lookup in a locked collection with
   * "not found" rather than an error.
   */
  async probe(timeoutMs = this.#timeoutMs): Promise<void> {
    await this.#call('reading the probe entry', timeoutMs, (k) => k.getPassword(this.#service, probeAccount));
    await this.#confirmWritable(timeoutMs);
  }

  async get(tokenName: string, kind: SecretKind): Promise<string | undefined> {
    const account = keychainAccount(tokenName, kind);
    const value = await this.#call(`reading ${account}`, this.#timeoutMs, (k) =>
      k.getPassword(this.#service, account),
    );
    if (value !== null) return value;
    // A locked collection also answers "not found"; a miss is confirmed writable before it is believed,
    // so that a locked keyring never reads as "sign in again". Misses are rare (before the first sign-in).
    await this.#confirmWritable(this.#timeoutMs);
    return undefined;
  }

  async set(tokenName: string, kind: SecretKind, value: string): Promise<void> {
    const account = keychainAccount(tokenName, kind);
    await this.#call(`writing ${account}`, this.#timeoutMs, (k) =>
      k.setPassword(this.#service, account, value),
    );
  }

  async delete(tokenName: string, kind?: SecretKind): Promise<void> {
    // One delete per kind, never findCredentials: keytar 7.10.6 crashed the process (SIGSEGV) calling
    // findCredentials against a locked collection.
    for (const each of kind === undefined ? allKinds : [kind]) {
      const account = keychainAccount(tokenName, each);
      await this.#call(`deleting ${account}`, this.#timeoutMs, (k) =>
        k.deletePassword(this.#service, account),
      );
    }
  }

  async #confirmWritable(timeoutMs: number): Promise<void> {
    await this.#call('writing the probe entry', timeoutMs, (k) =>
      k.setPassword(this.#service, probeAccount, 'ok'),
    );
  }

  /** One keytar call; after a failure a new connection can cure, the store reopens and tries once more. */
  async #call<T>(action: string, timeoutMs: number, run: (keytar: KeytarApi) => Promise<T>): Promise<T> {
    try {
      return await this.#attempt(action, timeoutMs, run);
    } catch (error) {
      if (!(error instanceof TokenAgentError) || !needsReconnect(error.cause)) throw error;
      let reopened: KeytarApi;
      try {
        reopened = this.#reopen();
      } catch {
        // No new connection to be had: the first failure says what is wrong.
        throw error;
      }
      this.#keytar = reopened;
      this.#onReopen?.(`reconnecting to the Secret Service after: ${(error.cause as Error).message}`);
      return this.#attempt(action, timeoutMs, run);
    }
  }

  #attempt<T>(action: string, timeoutMs: number, run: (keytar: KeytarApi) => Promise<T>): Promise<T> {
    if (this.#stuck > 0) {
      return Promise.reject(
        new TokenAgentError(
          codes.storeUnavailable,
          `The Secret Service has not answered an earlier call; not ${action} until it does.`,
        ),
      );
    }
    // keytar validates its arguments synchronously; starting from a resolved promise turns a throw into
    // a rejection that is classified like the others.
    const call = Promise.resolve().then(() => run(this.#keytar));
    return new Promise<T>((resolve, reject) => {
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        this.#stuck += 1;
        reject(
          new TokenAgentError(
            codes.storeUnavailable,
            `The Secret Service did not answer within ${timeoutMs} ms while ${action}: the daemon may be ` +
              'stopped, or waiting for you to unlock the keyring.',
          ),
        );
      }, timeoutMs);
      call.then(
        (value) => {
          clearTimeout(timer);
          if (timedOut) this.#stuck -= 1;
          else resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (timedOut) this.#stuck -= 1;
          else reject(classifyKeytarError(error, action));
        },
      );
    });
  }
}

/** Where `require` finds keytar from here: beside the bundle in a release, node_modules in a checkout. */
function keytarPath(): string {
  return require.resolve('@github/keytar');
}

// Runs in the helper process: one keytar call read from stdin, its answer as one JSON line on stdout.
const helperScript = `
const keytar = require(process.argv[1]);
const methods = new Set(['getPassword', 'setPassword', 'deletePassword']);
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const { method, args } = JSON.parse(input);
  const answer = (reply) => process.stdout.write(JSON.stringify(reply));
  if (!methods.has(method)) return answer({ ok: false, message: 'unknown keytar method' });
  Promise.resolve()
    .then(() => keytar[method](...args))
    .then(
      (value) => answer({ ok: true, value: value === undefined ? null : value }),
      (error) => answer({ ok: false, message: String((error && error.message) || error) }),
    );
});
`;

/**
 * A keytar whose every call runs in a new Node process, and so with a new libsecret and a new D-Bus
 * connection: slower (tens of milliseconds a call) but it follows a restarted daemon. The arguments,
 * a password among them, travel over stdin, never argv, which other users can read.
 */
export function spawnedKeytar(options: { timeoutMs?: number; modulePath?: string } = {}): KeytarApi {
  const modulePath = options.modulePath ?? keytarPath();
  const call = (method: keyof KeytarApi, args: string[]): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, ['-e', helperScript, modulePath], {
        stdio: ['pipe', 'pipe', 'ignore'],
        windowsHide: true,
        ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
      });
      child.on('error', reject);
      child.on('close', (code, signal) => {
        let reply: { ok: boolean; value?: unknown; message?: string };
        try {
          reply = JSON.parse(output) as typeof reply;
        } catch {
          reject(
            new Error(`the keytar helper process ended without an answer (${signal ?? `exit ${code}`})`),
          );
          return;
        }
        if (reply.ok) resolve(reply.value);
        else reject(new Error(reply.message ?? 'keytar failed'));
      });
      child.stdin.on('error', () => undefined);
      child.stdin.end(JSON.stringify({ method, args }));
    });
  return {
    getPassword: (service, account) => call('getPassword', [service, account]) as Promise<string | null>,
    setPassword: (service, account, password) =>
      call('setPassword', [service, account, password]) as Promise<void>,
    deletePassword: (service, account) => call('deletePassword', [service, account]) as Promise<boolean>,
  };
}

// The messages come from GLib and gnome-keyring (see the list at the top); this is the one place that
// reads them. Anything unrecognised counts as unavailable, so the store fails closed.
const lockedMessages = [
  /locked collection/i,
  /is locked/i,
  /Object does not exist at path .*\/collection\//,
  /prompt.*dismissed|dismissed.*prompt/i,
];

/** Maps a keytar failure to a coded error, keeping the original as `cause`. */
export function classifyKeytarError(error: unknown, action: string): TokenAgentError {
  const detail = (error instanceof Error ? error.message : String(error)).slice(0, 200);
  if (lockedMessages.some((pattern) => pattern.test(detail))) {
    return new TokenAgentError(
      codes.storeLocked,
      `The keyring is locked (${action}: ${detail}). Unlock the login keyring (sign in to the desktop, or ` +
        'run `gnome-keyring-daemon --unlock` on a headless machine), then retry.',
      { cause: error },
    );
  }
  return new TokenAgentError(
    codes.storeUnavailable,
    `The OS secret store is unavailable (${action}: ${detail}). On Linux, install gnome-keyring and ` +
      'libsecret-1-0 and run a D-Bus session (DBUS_SESSION_BUS_ADDRESS), or opt into the plaintext file store.',
    { cause: error },
  );
}

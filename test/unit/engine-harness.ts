// The engine unit tier's fakes: a clock that owns the engine's timers, a token endpoint as a `fetch`
// function that rotates refresh tokens the way strict providers do, and a secret store that can refuse.
// Nothing here sleeps: time moves only when a test advances the clock.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { codes, TokenAgentError } from '../../agent/base/errors';
import type { OAuth2RefreshTokenDefinition } from '../../agent/config/types';
import type { Timers } from '../../agent/engine/timer';
import { type EngineOptions, TokenEngine } from '../../agent/engine/tokenEngine';
import { MemoryStore } from '../../agent/store/memoryStore';
import type { SecretKind, SecretStore } from '../../agent/store/secretStore';

export const startMs = Date.UTC(2027, 0, 15, 12, 0, 0);
export const tokenEndpoint = 'https://idp.test/token';

/** Node clamps a setTimeout delay above this to 1 ms; the fake clock does the same, so a spin shows. */
const nodeMaxDelayMs = 2 ** 31 - 1;

interface FakeTimer {
  at: number;
  seq: number;
  callback: () => void;
}

/** A clock whose timers fire only inside advance(), in due order, each followed by `settle`. */
export class FakeClock implements Timers {
  #now: number;
  #seq = 0;
  readonly #timers = new Map<number, FakeTimer>();
  /** Timer callbacks run so far. */
  fired = 0;

  constructor(start = startMs) {
    this.#now = start;
  }

  readonly now = (): number => this.#now;

  readonly setTimeout = (callback: () => void, delayMs: number): unknown => {
    const seq = ++this.#seq;
    const delay = delayMs > nodeMaxDelayMs || !(delayMs >= 1) ? 1 : delayMs;
    this.#timers.set(seq, { at: this.#now + (delayMs === 0 ? 0 : delay), seq, callback });
    return seq;
  };

  readonly clearTimeout = (handle: unknown): void => {
    this.#timers.delete(handle as number);
  };

  /** Timers armed and not yet fired. */
  get pending(): number {
    return this.#timers.size;
  }

  /** When the earliest armed timer is due. */
  nextAt(): number | undefined {
    return this.#earliest()?.at;
  }

  /** Moves the clock without firing anything (time spent inside a call). */
  tick(ms: number): void {
    this.#now += ms;
  }

  /**
   * Moves the clock forward by `ms`, firing every timer due on the way; awaits `settle` after each.
   * Timers that keep re-arming for the same instant are a spin (what Node does with a clamped delay),
   * reported as an error instead of hanging the test.
   */
  async advance(ms: number, settle: () => Promise<void> = async () => {}): Promise<void> {
    const target = this.#now + ms;
    let instant = Number.NaN;
    let sameInstant = 0;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.at > target) break;
      sameInstant = next.at === instant ? sameInstant + 1 : 0;
      instant = next.at;
      if (sameInstant > 1_000)
        throw new Error(`timers spin: 1000 callbacks at ${new Date(instant).toISOString()}`);
      this.#timers.delete(next.seq);
      this.#now = Math.max(this.#now, next.at);
      this.fired += 1;
      next.callback();
      await settle();
    }
    this.#now = Math.max(this.#now, target);
  }

  #earliest(): FakeTimer | undefined {
    let earliest: FakeTimer | undefined;
    for (const timer of this.#timers.values())
      if (!earliest || timer.at < earliest.at || (timer.at === earliest.at && timer.seq < earliest.seq))
        earliest = timer;
    return earliest;
  }
}

export interface Fault {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/**
 * A token endpoint that rotates the refresh token on every use and, like strict providers, treats the
 * reuse of a retired one as theft: it answers invalid_grant and revokes the grant.
 */
export class FakeIdp {
  /** Requests to the token endpoint. */
  calls = 0;
  /** Retired refresh tokens presented again (each one revokes the grant). */
  reuse = 0;
  live: string | undefined;
  readonly #retired = new Set<string>();
  readonly #faults: Fault[] = [];
  #serial = 0;
  #gate: Promise<void> | undefined;
  #open: (() => void) | undefined;
  /** Refresh tokens presented, in order. */
  readonly presented: string[] = [];
  /** Answer without `expires_in`, as terse providers of opaque tokens do. */
  omitExpiresIn = false;
  /** Rewrites the next successful answers after rotating, as a provider with odd answers does. */
  readonly reshapes: ((body: Record<string, unknown>) => Record<string, unknown>)[] = [];

  constructor(
    readonly clock: FakeClock,
    readonly ttlSeconds = 3600,
  ) {
    this.live = this.#mint('rt');
  }

  /** The next `count` requests get this answer instead of a token. */
  failNext(count: number, fault: Fault): void {
    for (let i = 0; i < count; i++) this.#faults.push(fault);
  }

  /** Holds every request until open() is called: lets a test see how many callers wait on one. */
  hold(): void {
    this.#gate = new Promise((resolve) => {
      this.#open = resolve;
    });
  }

  open(): void {
    this.#open?.();
    this.#gate = undefined;
  }

  readonly fetch = (async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    assert.equal(url, tokenEndpoint, 'only the token endpoint is ever asked');
    this.calls += 1;
    await this.#gate;
    const fault = this.#faults.shift();
    if (fault) return json(fault.status, fault.body ?? { error: 'server_error' }, fault.headers);
    const form = new URLSearchParams(init?.body instanceof URLSearchParams ? init.body : String(init?.body));
    if (form.get('grant_type') === 'client_credentials') return this.#tokens(false);
    const presented = form.get('refresh_token') ?? '';
    this.presented.push(presented);
    if (presented !== this.live || presented === '') {
      if (this.#retired.has(presented)) {
        this.reuse += 1;
        this.live = undefined;
      }
      return json(400, { error: 'invalid_grant', error_description: 'refresh token not live' });
    }
    this.#retired.add(presented);
    return this.#tokens(true);
  }) as typeof fetch;

  #tokens(rotate: boolean): Response {
    const body: Record<string, unknown> = {
      access_token: this.#mint('at'),
      token_type: 'Bearer',
      ...(this.omitExpiresIn ? {} : { expires_in: this.ttlSeconds }),
    };
    if (rotate) {
      this.live = this.#mint('rt');
      body.refresh_token = this.live;
    }
    const reshape = this.reshapes.shift();
    return json(200, reshape ? reshape(body) : body);
  }

  #mint(kind: string): string {
    this.#serial += 1;
    return `${kind}-${this.#serial}-${this.clock.now()}`;
  }
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  });
}

/** A memory store that counts its calls and can be told to refuse writes, as a locked keyring does. */
export class TestStore implements SecretStore {
  readonly tier = 'memory';
  readonly plaintext = true;
  readonly inner = new MemoryStore();
  reads = 0;
  writes = 0;
  refusedWrites = 0;
  /** When set, writes of these kinds fail with ERR_STORE_LOCKED. */
  refuse: Set<SecretKind> | undefined;

  async get(tokenName: string, kind: SecretKind): Promise<string | undefined> {
    this.reads += 1;
    return this.inner.get(tokenName, kind);
  }

  async set(tokenName: string, kind: SecretKind, value: string): Promise<void> {
    if (this.refuse?.has(kind)) {
      this.refusedWrites += 1;
      throw new TokenAgentError(codes.storeLocked, 'The keyring is locked (test).');
    }
    this.writes += 1;
    await this.inner.set(tokenName, kind, value);
  }

  async delete(tokenName: string, kind?: SecretKind): Promise<void> {
    await this.inner.delete(tokenName, kind);
  }
}

export function refreshDefinition(
  name: string,
  overrides: Partial<OAuth2RefreshTokenDefinition> = {},
): OAuth2RefreshTokenDefinition {
  return {
    name,
    type: 'oauth2-refresh-token',
    tokenEndpoint,
    clientId: 'cli',
    refreshBeforeSeconds: 120,
    refreshBudgetPerHour: 60,
    ...overrides,
  } as OAuth2RefreshTokenDefinition;
}

/** A temporary data directory per test file, removed by the returned function. */
export async function tempDataDir(): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'token-agent-engine-unit-'));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface Rig {
  clock: FakeClock;
  idp: FakeIdp;
  store: TestStore;
  engine: TokenEngine;
  /** Advances the clock, letting each refresh the timers start run to its end. */
  advance(ms: number): Promise<void>;
}

/** An engine over the fakes, with one signed-in refresh-token grant per definition given. */
export async function rig(
  dataDir: string,
  options: Partial<EngineOptions> & { ttlSeconds?: number; clock?: FakeClock; store?: TestStore } = {},
): Promise<Rig> {
  const clock = options.clock ?? new FakeClock();
  const idp = new FakeIdp(clock, options.ttlSeconds);
  const store = options.store ?? new TestStore();
  const definitions = options.definitions ?? [refreshDefinition('api')];
  // One grant shared by the definitions given: tests that need two grants build two rigs.
  for (const definition of definitions)
    await store.inner.set(definition.name, 'refresh_token', idp.live ?? '');
  const engine = new TokenEngine({
    store,
    dataDir,
    schedule: true,
    random: () => 0.5,
    ...options,
    definitions,
    now: clock.now,
    timers: clock,
    fetch: idp.fetch,
  });
  return {
    clock,
    idp,
    store,
    engine,
    advance: (ms) => clock.advance(ms, () => engine.idle()),
  };
}

/**
 * Waits for a condition that real I/O (lock files, budget.json) brings about, looking again on every
 * turn of the event loop; the real-time bound only ends a broken run, naming what was awaited.
 */
export async function until(condition: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A suite's temporary data folder and the rigs made in it: the folder is made before the suite and
 * removed after it, once every rig's engine is stopped.
 */
export function rigsInTempDir(): { dataDir: { readonly dir: string }; rigs: Rig[] } {
  let made: { dir: string; remove(): Promise<void> } | undefined;
  const rigs: Rig[] = [];
  before(async () => {
    made = await tempDataDir();
  });
  after(async () => {
    for (const { engine } of rigs) engine.stop();
    // A budget.json write may still be running after stop(); removing the folder under it fails.
    await Promise.all(rigs.map(({ engine }) => engine.idle()));
    await made?.remove();
  });
  const dataDir = {
    get dir(): string {
      if (!made) throw new Error('the data folder is made when the suite starts');
      return made.dir;
    },
  };
  return { dataDir, rigs };
}

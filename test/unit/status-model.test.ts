// The agent's reportable state: team mode's health reaches the status (and its listeners) when the
// coordinator says it changed, not only when a token does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatusModel } from '../../agent/daemon/statusModel';
import type { RefreshCoordinator, TeamHealth } from '../../agent/engine/coordinator';
import { TokenEngine } from '../../agent/engine/tokenEngine';
import type { AgentStatus } from '../../agent/protocol';
import type { Runtime } from '../../agent/runtime';
import { MemoryStore } from '../../agent/store/memoryStore';

function fakeTeam() {
  let health: TeamHealth = { state: 'ok' };
  const listeners = new Set<() => void>();
  const coordinator: RefreshCoordinator = {
    health: () => health,
    onHealthChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    shares: () => true,
    latest: async () => undefined,
    acquire: async () => {
      throw new Error('not used');
    },
    close: async () => undefined,
  };
  return {
    coordinator,
    listeners,
    set(next: TeamHealth) {
      health = next;
      for (const listener of listeners) listener();
    },
  };
}

function runtimeWith(engine: TokenEngine, store: MemoryStore): Runtime {
  return {
    configPath: '/nowhere/config.json',
    config: { tokens: [] } as unknown as Runtime['config'],
    problems: [],
    dataDir: '/nowhere',
    store,
    storeError: undefined,
    engine,
  };
}

describe('StatusModel', () => {
  it('reports team health, warns while degraded, and tells listeners when it changes', () => {
    const team = fakeTeam();
    const store = new MemoryStore();
    const engine = new TokenEngine({
      definitions: [],
      store,
      dataDir: '/nowhere',
      schedule: false,
      coordinator: team.coordinator,
    });
    const model = new StatusModel(() => 1_000);
    model.setRuntime(runtimeWith(engine, store));
    const seen: AgentStatus[] = [];
    model.onChange((status) => seen.push(status));

    assert.deepEqual(model.snapshot().team, { state: 'ok' });
    assert.equal(model.snapshot().health, 'ok');

    team.set({ state: 'degraded', detail: 'redis://127.0.0.1:6390 is unreachable' });
    assert.equal(seen.length, 1, 'a health change alone is announced');
    assert.deepEqual(seen[0]?.team, { state: 'degraded', detail: 'redis://127.0.0.1:6390 is unreachable' });
    assert.equal(seen[0]?.health, 'warning');
    assert.equal(
      seen[0]?.message,
      'Team mode is degraded: redis://127.0.0.1:6390 is unreachable. Refreshing on this machine alone.',
    );

    engine.stop();
    assert.equal(team.listeners.size, 0, 'a stopped engine stops listening');
  });

  it('has no team entry without team mode', () => {
    const store = new MemoryStore();
    const engine = new TokenEngine({ definitions: [], store, dataDir: '/nowhere', schedule: false });
    const model = new StatusModel();
    model.setRuntime(runtimeWith(engine, store));
    assert.equal('team' in model.snapshot(), false);
  });
});

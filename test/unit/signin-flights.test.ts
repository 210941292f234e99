// One sign-in per token for many callers (#12 item 6): the flight registry alone, with flows the test
// settles by hand and a clock that moves only when told. No network, no timers.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SignInFlights, type Started, signInFix } from '../../agent/signin/flights';
import { fakeClock } from '../support/fakeAuthorizationServer';

type Prompt = { code: string; expiresAt?: number };

class Cancelled extends Error {}

/** A flow the test drives: how often it was started, its abort signals, and hands to settle it. */
function fakeFlows() {
  const started: {
    signal: AbortSignal;
    show(prompt: Prompt): void;
    fail(error: Error): void;
    finish(outcome: string): void;
    failLater(error: Error): void;
  }[] = [];
  const start = (signal: AbortSignal) =>
    new Promise<Started<Prompt, string>>((show, fail) => {
      let finish!: (outcome: string) => void;
      let failLater!: (error: Error) => void;
      const done = new Promise<string>((ok, no) => {
        finish = ok;
        failLater = no;
      });
      // A flow aborted before its prompt never hands `done` over: nobody else would handle it.
      done.catch(() => undefined);
      signal.addEventListener('abort', () => failLater(new Cancelled('flow aborted')));
      started.push({
        signal,
        show: (prompt) => show({ prompt, done }),
        fail,
        finish,
        failLater,
      });
    });
  return { started, start };
}

function setUp() {
  const clock = fakeClock();
  let next = 0;
  const flights = new SignInFlights<'browser' | 'device', Prompt, string>({
    now: clock.now,
    cancelled: (name) => new Cancelled(`sign-in to ${name} cancelled`),
    deadlineOf: (prompt) => prompt.expiresAt,
    newId: () => `w${++next}`,
  });
  return { clock, flights, ...fakeFlows() };
}

/** Lets the registry's promise callbacks run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SignInFlights', () => {
  it('starts one flow for 50 callers, who all get its prompt and its outcome', async () => {
    const { flights, started, start } = setUp();
    const boardings = Array.from({ length: 50 }, () => flights.board('api', 'device', start));
    await settle();
    assert.equal(started.length, 1, 'one flow');
    assert.deepEqual(
      boardings.map((b) => b.joined),
      [false, ...Array(49).fill(true)],
    );
    assert.equal(new Set(boardings.map((b) => b.id)).size, 50, 'each caller has its own id');
    started[0]?.show({ code: 'ABCD-EFGH' });
    const prompts = await Promise.all(boardings.map((b) => b.prompt));
    assert.ok(prompts.every((prompt) => prompt.code === 'ABCD-EFGH'));
    assert.equal(flights.current('api')?.waiters, 50);
    started[0]?.finish('token-1');
    assert.deepEqual(new Set(await Promise.all(boardings.map((b) => b.outcome))), new Set(['token-1']));
    assert.equal(flights.current('api'), undefined, 'a landed flight is off the board');
  });

  it('gives a caller boarding after the prompt that prompt at once', async () => {
    const { flights, started, start } = setUp();
    flights.board('api', 'browser', start);
    await settle();
    started[0]?.show({ code: 'URL-1' });
    await settle();
    const late = flights.board('api', 'device', start);
    assert.equal(late.joined, true, 'another flow asked for still joins the one under way');
    assert.deepEqual(await late.prompt, { code: 'URL-1' });
    assert.equal(flights.current('api')?.flow, 'browser');
    assert.equal(started.length, 1);
  });

  it('keeps the flow for the others when one caller leaves, and cancels it when the last does', async () => {
    const { flights, started, start } = setUp();
    const first = flights.board('api', 'device', start);
    const second = flights.board('api', 'device', start);
    await settle();
    started[0]?.show({ code: 'C' });
    assert.equal(flights.leave('api', first.id), true);
    await assert.rejects(first.outcome, Cancelled);
    assert.equal(started[0]?.signal.aborted, false, 'the flow goes on for the other caller');
    assert.equal(flights.leave('api', first.id), false, 'leaving twice is a no-op');
    assert.equal(flights.leave('api', second.id), true);
    assert.equal(started[0]?.signal.aborted, true, 'the last caller left: the flow is cancelled');
    await assert.rejects(second.outcome, Cancelled);
    assert.equal(flights.current('api'), undefined);
    const next = flights.board('api', 'device', start);
    assert.equal(next.joined, false, 'a caller after that starts a new flow');
    await settle();
    assert.equal(started.length, 2);
  });

  it('cancels a flow whose only caller leaves before its prompt, and fails that caller', async () => {
    const { flights, started, start } = setUp();
    const only = flights.board('api', 'device', start);
    flights.leave('api', only.id);
    await assert.rejects(only.prompt, Cancelled);
    await settle();
    assert.equal(started[0]?.signal.aborted, true);
  });

  it('fails every caller with the error of a flow that could not start, and starts afresh after', async () => {
    const { flights, started, start } = setUp();
    const boardings = [flights.board('api', 'device', start), flights.board('api', 'device', start)];
    await settle();
    started[0]?.fail(new Error('discovery failed'));
    for (const b of boardings) {
      await assert.rejects(b.prompt, /discovery failed/);
      await assert.rejects(b.outcome, /discovery failed/);
    }
    assert.equal(flights.board('api', 'device', start).joined, false);
  });

  it('fails every caller with the error the flow ended with (denied, timed out)', async () => {
    const { flights, started, start } = setUp();
    const boardings = [flights.board('api', 'device', start), flights.board('api', 'device', start)];
    await settle();
    started[0]?.show({ code: 'C' });
    started[0]?.failLater(new Error('access_denied'));
    for (const b of boardings) await assert.rejects(b.outcome, /access_denied/);
    assert.equal(flights.current('api'), undefined);
  });

  it('lets nobody board a flight past its deadline, which ends by itself', async () => {
    const { clock, flights, started, start } = setUp();
    const first = flights.board('api', 'device', start);
    await settle();
    started[0]?.show({ code: 'OLD', expiresAt: clock.now() + 600_000 });
    await settle();
    clock.advance(599_999);
    assert.equal(flights.current('api')?.deadline, clock.now() + 1);
    assert.equal(flights.board('api', 'device', start).joined, true, 'one ms before: joined');
    clock.advance(1);
    assert.equal(flights.current('api'), undefined, 'at the deadline: no flight to join');
    const fresh = flights.board('api', 'device', start);
    assert.equal(fresh.joined, false);
    await settle();
    assert.equal(started.length, 2);
    assert.equal(started[0]?.signal.aborted, false, 'the old flow is left to end by itself');
    started[0]?.failLater(new Error('expired_token'));
    await assert.rejects(first.outcome, /expired_token/);
    assert.equal(flights.current('api')?.waiters, 1, 'the old flow ending does not unboard the new one');
  });

  it('tells a caller that will not wait how old the flight is and how many wait on it', async () => {
    const { clock, flights, start } = setUp();
    const at = clock.now();
    flights.board('api', 'browser', start);
    flights.board('api', 'browser', start);
    clock.advance(12_000);
    assert.deepEqual(flights.current('api'), { flow: 'browser', startedAt: at, waiters: 2 });
    assert.equal(flights.current('other'), undefined, 'flights are per token');
  });

  it('cancels every flight when the agent stops', async () => {
    const { flights, started, start } = setUp();
    const a = flights.board('a', 'device', start);
    const b = flights.board('b', 'browser', start);
    await settle();
    flights.cancelAll();
    await assert.rejects(a.outcome, Cancelled);
    await assert.rejects(b.outcome, Cancelled);
    assert.ok(started.every((flow) => flow.signal.aborted));
  });
});

describe('signInFix (what a caller that does not sign in is told)', () => {
  it('names the command and the editor command when no sign-in is under way', () => {
    const fix = signInFix('api', undefined, 0);
    assert.match(fix, /`token-agent login api`/);
    assert.match(fix, /Token Agent: Sign In/);
    assert.doesNotMatch(fix, /in progress/);
  });

  it('says a sign-in is under way, of which flow, since when and for how many, and how to join it', () => {
    const fix = signInFix('api', { flow: 'device', startedAt: 1_000, waiters: 3 }, 13_400);
    assert.match(fix, /^A device-code sign-in to 'api' is already in progress \(started 12 s ago/);
    assert.match(fix, /3 callers wait on it/);
    assert.match(fix, /joins it instead of starting another/);
    const browser = signInFix('api', { flow: 'browser', startedAt: 0, waiters: 1 }, 300_000);
    assert.match(browser, /^A browser sign-in .*started 5 min ago.*1 caller waits on it/);
  });
});

// One sign-in per token, however many callers need it (#12 item 6). Ten editor windows and a terminal
// that all find a token signed out must not open ten browser tabs, nor start ten device codes of
// which the user can finish one: the first caller starts the flow, every later caller boards the same
// "flight" and gets the same prompt (the URL or the code to show) and the same outcome. A caller that
// leaves takes only itself off; the flow is cancelled when the last one leaves, as closing the only
// browser tab would. Pure: the flow itself, the clock and the ids are handed in.
import { randomUUID } from 'node:crypto';

/** What a flow hands back once it has something to show: the prompt now, the outcome later. */
export interface Started<P, R> {
  prompt: P;
  done: Promise<R>;
}

/** Starts the flow; aborting `signal` must end it (rejecting `done`, or the start itself). */
export type StartFlow<P, R> = (signal: AbortSignal) => Promise<Started<P, R>>;

/** One caller on a flight. Both promises reject with the `cancelled` error once it has left. */
export interface Boarding<P, R> {
  /** Names this caller, to leave by (`DELETE /v1/tokens/NAME/sign-in?id=ID`). */
  id: string;
  /** True when the flight was already under way: another window or terminal started it. */
  joined: boolean;
  prompt: Promise<P>;
  outcome: Promise<R>;
}

/** What a caller that will not wait is told about a flight under way (never a prompt: no URL, no code). */
export interface FlightView<F> {
  flow: F;
  startedAt: number;
  waiters: number;
  /** When the flow gives up by itself (the device code expires, the browser wait ends), if known yet. */
  deadline?: number;
}

export interface FlightsOptions<P> {
  now: () => number;
  /** The error a caller's promises reject with when it leaves, and a cancelled flight's. */
  cancelled: (name: string) => Error;
  /** When a flow with this prompt gives up by itself: past it, a new caller starts a new flight. */
  deadlineOf: (prompt: P, startedAt: number) => number | undefined;
  newId?: () => string;
}

interface Waiter<P, R> {
  resolvePrompt(prompt: P): void;
  resolve(outcome: R): void;
  reject(error: unknown): void;
}

interface Flight<F, P, R> {
  flow: F;
  startedAt: number;
  deadline?: number;
  abort: AbortController;
  waiters: Map<string, Waiter<P, R>>;
  /** Set once the flow has shown its prompt; later boarders get it at once. */
  prompt?: P;
}

export class SignInFlights<F, P, R> {
  readonly #flights = new Map<string, Flight<F, P, R>>();
  readonly #options: FlightsOptions<P>;
  readonly #newId: () => string;

  constructor(options: FlightsOptions<P>) {
    this.#options = options;
    this.#newId = options.newId ?? randomUUID;
  }

  /**
   * Boards the flight for `name`, starting it with `start` when there is none (or only one past its
   * deadline, which is left to end by itself). A caller asking for another flow than the one under
   * way joins that one all the same: two flows at once is what this prevents.
   */
  board(name: string, flow: F, start: StartFlow<P, R>): Boarding<P, R> {
    let flight = this.#live(name);
    const joined = flight !== undefined;
    if (!flight) {
      flight = {
        flow,
        startedAt: this.#options.now(),
        abort: new AbortController(),
        waiters: new Map(),
      };
      this.#flights.set(name, flight);
      this.#launch(name, flight, start);
    }
    const id = this.#newId();
    const boarding = this.#addWaiter(flight, id);
    return { id, joined, ...boarding };
  }

  /**
   * Takes one caller off its flight: its promises reject with `cancelled`. The flow stops only when
   * no caller is left. False when there was no such caller (already left, or the flight has landed).
   */
  leave(name: string, id: string): boolean {
    const flight = this.#flights.get(name);
    const waiter = flight?.waiters.get(id);
    if (!flight || !waiter) return false;
    flight.waiters.delete(id);
    waiter.reject(this.#options.cancelled(name));
    if (flight.waiters.size === 0) {
      // Off the board at once: a caller arriving now starts afresh instead of joining a dying flow.
      this.#flights.delete(name);
      flight.abort.abort();
    }
    return true;
  }

  /** The flight under way for `name`, for a caller that will not wait (and a status line). */
  current(name: string): FlightView<F> | undefined {
    const flight = this.#live(name);
    if (!flight) return undefined;
    return {
      flow: flight.flow,
      startedAt: flight.startedAt,
      waiters: flight.waiters.size,
      ...(flight.deadline !== undefined ? { deadline: flight.deadline } : {}),
    };
  }

  /** Cancels every flight (the agent is stopping). */
  cancelAll(): void {
    for (const [name, flight] of [...this.#flights]) {
      for (const id of [...flight.waiters.keys()]) this.leave(name, id);
    }
  }

  /** The registered flight, unless it is past its deadline (then it is dropped from the board). */
  #live(name: string): Flight<F, P, R> | undefined {
    const flight = this.#flights.get(name);
    if (flight?.deadline !== undefined && this.#options.now() >= flight.deadline) {
      // Its callers keep waiting for its own ending (a timeout); nobody new boards it.
      this.#flights.delete(name);
      return undefined;
    }
    return flight;
  }

  #launch(name: string, flight: Flight<F, P, R>, start: StartFlow<P, R>): void {
    const land = (settle: (waiter: Waiter<P, R>) => void) => {
      if (this.#flights.get(name) === flight) this.#flights.delete(name);
      for (const waiter of flight.waiters.values()) settle(waiter);
      flight.waiters.clear();
    };
    // Through a promise, so that a start that throws at once fails its callers the same way.
    new Promise<Started<P, R>>((started) => started(start(flight.abort.signal))).then(
      (started) => {
        flight.prompt = started.prompt;
        const deadline = this.#options.deadlineOf(started.prompt, flight.startedAt);
        if (deadline !== undefined) flight.deadline = deadline;
        for (const waiter of flight.waiters.values()) waiter.resolvePrompt(started.prompt);
        started.done.then(
          (outcome) => land((waiter) => waiter.resolve(outcome)),
          (error: unknown) => land((waiter) => waiter.reject(error)),
        );
      },
      (error: unknown) => land((waiter) => waiter.reject(error)),
    );
  }

  #addWaiter(flight: Flight<F, P, R>, id: string): Omit<Boarding<P, R>, 'id' | 'joined'> {
    let resolvePrompt!: (prompt: P) => void;
    let rejectPrompt!: (error: unknown) => void;
    let resolve!: (outcome: R) => void;
    let reject!: (error: unknown) => void;
    const prompt = new Promise<P>((ok, fail) => {
      resolvePrompt = ok;
      rejectPrompt = fail;
    });
    const outcome = new Promise<R>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    // A caller that stops listening (it left) must not leave an unhandled rejection behind.
    prompt.catch(() => undefined);
    outcome.catch(() => undefined);
    flight.waiters.set(id, {
      resolvePrompt,
      resolve,
      // A flow that fails before its prompt fails both; a settled prompt ignores the second settle.
      reject: (error) => {
        rejectPrompt(error);
        reject(error);
      },
    });
    if (flight.prompt !== undefined) resolvePrompt(flight.prompt);
    return { prompt, outcome };
  }
}

/**
 * The fix line of an ERR_NEEDS_SIGN_IN answered to a caller that does not sign in itself (`get`, a
 * credential helper, a `serve` client): how to sign in, or, while a flight is under way, that one is
 * and how to join it. It never carries the prompt: a URL or code shown to a script's log helps nobody.
 */
export function signInFix(name: string, flight: FlightView<string> | undefined, now: number): string {
  const how = `\`token-agent login ${name}\` (add --device where no browser can open) or the editor's "Token Agent: Sign In"`;
  if (!flight) return `To sign in: ${how}.`;
  const flow = flight.flow === 'device' ? 'a device-code sign-in' : 'a browser sign-in';
  const waiting = flight.waiters === 1 ? '1 caller waits on it' : `${flight.waiters} callers wait on it`;
  return `${capitalize(flow)} to '${name}' is already in progress (started ${ago(now - flight.startedAt)} ago in another window or terminal; ${waiting}): finish it there, or show its prompt here with ${how}, which joins it instead of starting another.`;
}

function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
}

function capitalize(text: string): string {
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}`;
}

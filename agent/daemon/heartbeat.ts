// How long a client waits for the user agent, and the heartbeat that watches a long wait. Kept apart
// from liveness.ts (which reads /proc and builds errors) so the fast entry point can use it without
// loading more of Node than it needs (fast/main.ts; test/unit/fast-get.test.ts pins its imports).

/** /healthz: answered at once by a live agent, even one busy refreshing or stopping. */
export const healthTimeoutMs = 2_000;
/**
 * A token read or a refresh: the agent may wait for a refresh already in flight and then make its
 * own, each bounded by the grant timeout (30 s), and save the result: 75 s is more than that and
 * still a stated end.
 */
export const tokenRequestMs = 75_000;
/** Anything else (status, definitions, secrets): a keyring write waits at most D-Bus's 25 s. */
export const otherRequestMs = 30_000;
/** A stream (events, sign-in) must begin within this; its body then lasts as long as it needs. */
export const streamStartMs = 10_000;
/** While a long request waits, /healthz is asked this often… */
export const heartbeatEveryMs = 5_000;
/** …and this many unanswered in a row mean the agent is wedged. */
export const heartbeatMisses = 2;

/**
 * Calls `ping` every `everyMs` until stopped; `onWedged` once `misses` pings in a row resolved false.
 * A ping that throws counts as answered: a refused or closed connection is the request's own error
 * to report, not a wedge. Returns the stop function.
 */
export function watchLiveness(
  ping: () => Promise<boolean>,
  onWedged: () => void,
  options: { everyMs?: number; misses?: number } = {},
): () => void {
  const everyMs = options.everyMs ?? heartbeatEveryMs;
  const misses = options.misses ?? heartbeatMisses;
  let stopped = false;
  let missed = 0;
  let timer: NodeJS.Timeout | undefined;
  const next = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void ping().then(
        (answered) => {
          if (stopped) return;
          missed = answered ? 0 : missed + 1;
          if (missed >= misses) {
            stopped = true;
            onWedged();
          } else next();
        },
        () => {
          missed = 0;
          next();
        },
      );
    }, everyMs);
    // The watch never keeps a client alive by itself.
    timer.unref?.();
  };
  next();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}

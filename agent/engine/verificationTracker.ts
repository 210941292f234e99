// Checks each held access token once, in the background, against the keys its issuer publishes
// (verify.ts), and remembers the answer per token name for the status. Nothing waits for a check: the
// status simply has no answer until it arrives. Tokens are known here only by a digest keyed with a
// random per-process key, so nothing this object keeps could be replayed, or matched against a token
// seen elsewhere, even if it were dumped.
import { createHmac, randomBytes } from 'node:crypto';
import type {
  OAuth2ClientCredentialsDefinition,
  OAuth2RefreshTokenDefinition,
  TokenDefinition,
} from '../config/types';
import type { TokenVerification } from '../protocol';
import { type DefinitionVerifyContext, toTokenVerification, verifyDefinitionToken } from './verify';

export interface VerificationTrackerOptions {
  /** Discovery results, key sets, clock and fetch; the engine shares its own discovery results. */
  context: DefinitionVerifyContext;
  /** Called when the answer for a token's current value arrives, never for a value since replaced. */
  onAnswer: (name: string, verification: TokenVerification) => void;
  /**
   * When the keys could not be fetched (the issuer or the network was down), check the same token
   * again after this long, keeping the old answer meanwhile; 60 s by default, 0 never.
   */
  retryUnavailableMs?: number;
}

interface Entry {
  digest: string;
  answer?: TokenVerification;
}

type OAuth2Definition = OAuth2RefreshTokenDefinition | OAuth2ClientCredentialsDefinition;

export class VerificationTracker {
  readonly #key = randomBytes(32);
  readonly #options: VerificationTrackerOptions;
  /** What is known of each token's current value. A new object per value, so late answers can tell. */
  readonly #entries = new Map<string, Entry>();
  /** Checks running, by name and digest: a value seen again while its check runs joins that check. */
  readonly #running = new Map<string, Promise<TokenVerification>>();
  readonly #pending = new Set<Promise<void>>();
  #closed = false;
  /**
   * Aborted by close(). A key-set or discovery fetch that an issuer never answers would otherwise
   * keep a one-shot command (`token-agent status`) alive for its whole timeout after it printed.
   */
  readonly #abort = new AbortController();
  /** The caller's context, with every fetch also bound to #abort. */
  readonly #context: DefinitionVerifyContext;

  constructor(options: VerificationTrackerOptions) {
    this.#options = options;
    const signal = this.#abort.signal;
    const base = options.context.fetch;
    this.#context = {
      ...options.context,
      // The global fetch is looked up per call, as verify.ts would when given no fetch. A signal the
      // caller passed (the fetch's own timeout) still applies alongside ours.
      fetch: (input, init) =>
        (base ?? fetch)(input, {
          ...init,
          signal: init?.signal ? AbortSignal.any([init.signal, signal]) : signal,
        }),
    };
  }

  /**
   * Tells the tracker which value a token holds now: a new value is checked, a known one is not.
   * Static and command tokens are never checked, since the agent cannot vouch for their issuer.
   */
  observe(name: string, definition: TokenDefinition, token: string | undefined): void {
    if (this.#closed) return;
    if (token === undefined || !isOAuth2(definition)) {
      this.#entries.delete(name);
      return;
    }
    const digest = this.#digest(token);
    if (this.#entries.get(name)?.digest === digest) return;
    this.#start(name, definition, token, { digest });
  }

  #start(name: string, definition: OAuth2Definition, token: string, entry: Entry): void {
    const { digest } = entry;
    this.#entries.set(name, entry);
    const key = `${name}\n${digest}`;
    let running = this.#running.get(key);
    if (!running) {
      running = this.#check(token, definition);
      this.#running.set(key, running);
      void running.then(() => this.#running.delete(key));
    }
    const delivered = running.then((answer) => {
      // The token may have changed (and even changed back) while the check ran: only the entry that
      // is still current takes the answer, so a stale one is never shown for a newer token.
      if (this.#closed || this.#entries.get(name) !== entry) return;
      entry.answer = answer;
      try {
        this.#options.onAnswer(name, answer);
      } catch {
        // The answer is kept either way; a listener that fails is the listener's to report.
      }
      if (!answer.verified && answer.code === 'keys-unavailable')
        this.#retryLater(name, definition, token, entry);
    });
    this.#pending.add(delivered);
    void delivered.then(() => this.#pending.delete(delivered));
  }

  /** A passing outage must not leave "not verified" on a token for the rest of its life. */
  #retryLater(name: string, definition: OAuth2Definition, token: string, entry: Entry): void {
    const delayMs = this.#options.retryUnavailableMs ?? 60_000;
    if (delayMs <= 0) return;
    const timer = setTimeout(() => {
      if (this.#closed || this.#entries.get(name) !== entry) return;
      this.#start(name, definition, token, {
        digest: entry.digest,
        ...(entry.answer ? { answer: entry.answer } : {}),
      });
    }, delayMs);
    // A one-shot command must not stay alive for a retry nobody will see.
    timer.unref();
  }

  /** The answer for this exact value, if its check has finished; undefined for any other value. */
  answer(name: string, token: string | undefined): TokenVerification | undefined {
    const entry = this.#entries.get(name);
    if (!entry?.answer || token === undefined) return undefined;
    return entry.digest === this.#digest(token) ? entry.answer : undefined;
  }

  /**
   * Resolves true once no check is running (checks started meanwhile included), or false after
   * `timeoutMs`: a one-shot command waits this long at most for a slow issuer.
   */
  async settled(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const drained = (async () => {
      while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
      return true as const;
    })();
    try {
      return await Promise.race([drained, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** No more checks or callbacks: the engine stopped, and a newer one may report for these names. */
  close(): void {
    this.#closed = true;
    this.#abort.abort();
  }

  async #check(token: string, definition: OAuth2Definition): Promise<TokenVerification> {
    try {
      return toTokenVerification(await verifyDefinitionToken(token, definition, this.#context));
    } catch (error) {
      // verify.ts answers rather than throws for a token that does not verify; a throw means the
      // issuer's metadata was unusable (a malformed jwks_uri, say), so its keys cannot be had.
      return {
        verified: false,
        code: 'keys-unavailable',
        reason: `the issuer's keys could not be used (${(error as Error).message})`,
      };
    }
  }

  #digest(token: string): string {
    return createHmac('sha256', this.#key).update(token).digest('base64url');
  }
}

/** One short phrase for logs and the status table; the reason stays in the JSON status. */
export function describeVerification(verification: TokenVerification): string {
  return verification.verified
    ? `verified (${verification.algorithm})`
    : `not verified: ${verification.code}`;
}

function isOAuth2(definition: TokenDefinition): definition is OAuth2Definition {
  return definition.type === 'oauth2-refresh-token' || definition.type === 'oauth2-client-credentials';
}

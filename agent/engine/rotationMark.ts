// The record of a refresh that may have cost its refresh token (rotationRisk.ts), kept in the data
// folder so that no process on this machine, this one after a restart included, presents that refresh
// token again: `rotation-risk/NAME.json`, holding when the request went out and a fingerprint of the
// refresh token it presented. A sign-in (or a refresh token the user sets) brings a different refresh
// token, whose fingerprint does not match: the record is then dropped and refreshing resumes.
import { createHash } from 'node:crypto';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { codes, TokenAgentError } from '../base/errors';
import { readOwnFile } from '../base/privateFolder';
import type { SecretStore } from '../store/secretStore';
import { writeAtomically } from './budgetFile';
import type { RefreshContext } from './engineTypes';
import type { GrantErrorDetails } from './grants';
import { mayHaveRotatedMessage, type RefreshAttempt, rotationRisk } from './rotationRisk';
import type { TokenSlot } from './tokenSlot';

export const rotationRiskFolder = 'rotation-risk';

export interface RotationMark {
  /** Unix ms on the engine's clock: when the request that may have rotated went out. */
  at: number;
  /** fingerprint() of the refresh token that request presented. */
  presented: string;
}

/** ERR_NEEDS_SIGN_IN saying when the provider may have rotated; `fresh` when this attempt found it out. */
export class MayHaveRotatedError extends TokenAgentError {
  constructor(
    name: string,
    readonly at: number,
    readonly fresh: boolean,
    cause?: string,
  ) {
    super(codes.needsSignIn, mayHaveRotatedMessage(name, at, cause));
  }
}

/**
 * 16 characters of the SHA-256 of a refresh token: enough to tell two tokens apart, nothing to
 * recover one from (a refresh token is a long random value), so the file holds no secret.
 */
export function fingerprint(refreshToken: string): string {
  return createHash('sha256').update(refreshToken).digest('base64url').slice(0, 16);
}

export interface FailedExchange extends RefreshAttempt {
  postedAt?: number;
  /** The refresh token the request presented, while the exchange runs; never leaves the engine. */
  presented?: string;
}

/**
 * After a refresh-token exchange failed: when the provider may have rotated, records it (the file,
 * the slot) and returns the sign-in error to report instead; otherwise returns `coded` unchanged.
 */
export async function afterFailedExchange(
  context: Pick<RefreshContext, 'dataDir' | 'now' | 'log'>,
  slot: TokenSlot,
  attempt: FailedExchange,
  coded: TokenAgentError & { details?: GrantErrorDetails },
): Promise<TokenAgentError> {
  if (slot.definition.type !== 'oauth2-refresh-token' || attempt.presented === undefined) return coded;
  if (rotationRisk(attempt, coded) !== 'may-have-rotated') return coded;
  const at = attempt.postedAt ?? context.now();
  slot.mayHaveRotatedAt = at;
  try {
    await writeMark(context.dataDir, slot.name, { at, presented: fingerprint(attempt.presented) });
  } catch (error) {
    // The slot still refuses in this process; another process may not know.
    context.log(
      'warn',
      `token '${slot.name}': could not record the possible rotation: ${(error as Error).message}`,
    );
  }
  return new MayHaveRotatedError(slot.name, at, true, coded.message);
}

/**
 * Before a refresh token is presented: ERR_NEEDS_SIGN_IN when it is the one a failed refresh may have
 * retired. A record for another refresh token (the user signed in since) is dropped.
 */
export async function refuseIfMayHaveRotated(
  context: Pick<RefreshContext, 'dataDir'>,
  slot: TokenSlot,
  store: SecretStore,
): Promise<void> {
  const mark = await matchingMark(context, slot, store);
  if (!mark) return;
  slot.mayHaveRotatedAt = mark.at;
  throw new MayHaveRotatedError(slot.name, mark.at, false);
}

/** At load: a slot whose stored refresh token may be retired says so in the status from the start. */
export async function restoreMark(
  context: Pick<RefreshContext, 'dataDir' | 'store'>,
  slot: TokenSlot,
): Promise<void> {
  // Never fails a load: a store that cannot be read now is asked again before the next refresh.
  let mark: RotationMark | undefined;
  try {
    mark = await matchingMark(context, slot, context.store());
  } catch {
    return;
  }
  if (!mark) return;
  slot.mayHaveRotatedAt = mark.at;
  slot.needsSignIn = true;
  slot.lastError = new MayHaveRotatedError(slot.name, mark.at, false);
}

async function matchingMark(
  context: Pick<RefreshContext, 'dataDir'>,
  slot: TokenSlot,
  store: SecretStore,
): Promise<RotationMark | undefined> {
  if (slot.definition.type !== 'oauth2-refresh-token') return undefined;
  const mark = await readMark(context.dataDir, slot.name);
  if (!mark) return undefined;
  const presented = slot.pending?.values.refresh_token ?? (await store.get(slot.name, 'refresh_token'));
  if (presented !== undefined && fingerprint(presented) === mark.presented) return mark;
  await clearMark(context.dataDir, slot.name);
  return undefined;
}

function markPath(dataDir: string, name: string): { dir: string; file: string } {
  return { dir: join(dataDir, rotationRiskFolder), file: `${encodeURIComponent(name)}.json` };
}

export async function writeMark(dataDir: string, name: string, mark: RotationMark): Promise<void> {
  const { dir, file } = markPath(dataDir, name);
  await writeAtomically(dir, file, `${JSON.stringify(mark)}\n`);
}

/** The record, or undefined when there is none (or none readable: a torn file protects nothing). */
export async function readMark(dataDir: string, name: string): Promise<RotationMark | undefined> {
  const { dir, file } = markPath(dataDir, name);
  const text = await readOwnFile(join(dir, file));
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<RotationMark> | null;
    return typeof value?.at === 'number' && typeof value.presented === 'string'
      ? { at: value.at, presented: value.presented }
      : undefined;
  } catch {
    return undefined;
  }
}

export async function clearMark(dataDir: string, name: string): Promise<void> {
  const { dir, file } = markPath(dataDir, name);
  await unlink(join(dir, file)).catch(() => undefined);
}

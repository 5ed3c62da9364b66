import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import type { Response } from 'express';
import {
  AppConfig,
  AppException,
  Principal,
  STREAM_TOKEN_REFUSED,
  SseStream,
  openSse,
} from '@app/common';
import { ApiKeyEvents, ApiKeyRevokedEvent, RevokedKeys } from '../api-key';

/** Whose streams count together: the API key's, else (trusted user header) the user's. */
export function streamOwner(principal: Principal): string {
  return principal.keyId !== undefined ? `key:${principal.keyId}` : `user:${principal.userId}`;
}

interface OpenStream {
  stream: SseStream;
  keyId?: number;
}

/** Longest setTimeout; a later expiry is re-armed when it fires. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Every SSE stream the service opens for a caller goes through here (GET /executions/{id}/events,
 * POST /rpa/v1/exec): at most SSE_MAX_STREAMS_PER_KEY open per key in this process (429 before
 * the stream opens), and a stream ends when its key is revoked or expires, as sockets do. A stream
 * opened with a stream token belongs to the key that asked for the token.
 */
@Injectable()
export class SseStreams {
  private readonly byOwner = new Map<string, Set<OpenStream>>();
  /**
   * A stream whose key (or token's key) was verified just before its revocation arrived, while
   * the caller was still reading the run, would open after the revocation closed the others.
   */
  private readonly revoked = new RevokedKeys(60_000);

  constructor(private readonly config: AppConfig) {}

  /** Opens the stream, or throws RATE_LIMITED (nothing written yet) past the cap. */
  open(
    principal: Principal,
    res: Response,
    options: { pingComment?: () => string } = {},
  ): SseStream {
    if (this.revoked.has(principal.keyId)) {
      throw new AppException(
        'UNAUTHENTICATED',
        principal.via === 'stream' ? STREAM_TOKEN_REFUSED : 'Invalid, revoked or expired API key',
      );
    }
    const owner = streamOwner(principal);
    const cap = this.config.limits.sseStreamsPerKey;
    const mine = this.byOwner.get(owner) ?? new Set<OpenStream>();
    if (cap > 0 && mine.size >= cap) {
      throw new AppException(
        'RATE_LIMITED',
        `Too many open event streams for this API key (limit ${cap}); close one first`,
      );
    }
    const stream = openSse(res, this.config.ssePingMs, options);
    const entry: OpenStream = { stream, keyId: principal.keyId };
    mine.add(entry);
    this.byOwner.set(owner, mine);
    let timer: NodeJS.Timeout | undefined;
    stream.onClose(() => {
      clearTimeout(timer);
      mine.delete(entry);
      if (mine.size === 0 && this.byOwner.get(owner) === mine) this.byOwner.delete(owner);
    });
    const expiresAt = principal.expiresAt;
    if (expiresAt !== undefined) {
      const arm = (): void => {
        const wait = expiresAt - Date.now();
        if (wait <= 0) return this.end(entry, 'The API key has expired');
        timer = setTimeout(arm, Math.min(wait, MAX_TIMER_MS));
        timer.unref();
      };
      arm();
    }
    return stream;
  }

  /** Streams open in this process for one owner (see streamOwner). */
  count(owner: string): number {
    return this.byOwner.get(owner)?.size ?? 0;
  }

  @OnEvent(ApiKeyEvents.Revoked)
  onKeysRevoked(event: ApiKeyRevokedEvent): void {
    this.revoked.add(event.key_ids ?? []);
    const revoked = new Set(event.key_ids ?? []);
    for (const mine of this.byOwner.values()) {
      for (const entry of [...mine]) {
        if (entry.keyId !== undefined && revoked.has(entry.keyId)) {
          this.end(entry, 'The API key has been revoked');
        }
      }
    }
  }

  private end(entry: OpenStream, message: string): void {
    entry.stream.send({ error: 'UNAUTHENTICATED', message }, { event: 'error' });
    entry.stream.close();
  }
}

import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Principal, RedisUnavailable, SseStream } from '@app/common';
import { SseStreams } from '../limits';
import { ExecutionDto } from './dto/execution.response';
import { isFinal } from './entities/execution.entity';
import { ExecutionEvent, isFinalEvent, publicEvent } from './execution.events';
import { ExecutionEventBus } from './execution-event.bus';
import { compareStreamIds, isStreamId } from './execution-event.log';
import { ExecutionService } from './execution.service';

/**
 * `GET /executions/{id}/events`. A first connection gets a snapshot, then live events; a
 * reconnection with `Last-Event-ID` gets exactly the events it missed, then live ones. Every
 * event carries its id; the stream closes after the final event.
 */
@Injectable()
export class ExecutionStreamService {
  constructor(
    private readonly executions: ExecutionService,
    private readonly bus: ExecutionEventBus,
    private readonly streams: SseStreams,
  ) {}

  async streamExecution(
    principal: Principal,
    id: string,
    res: Response,
    lastEventId?: string,
  ): Promise<void> {
    const { userId } = principal;
    // Ownership first, so that a foreign id answers a plain 404 envelope.
    await this.executions.get(userId, id);

    // Subscribe before reading anything: events that arrive meanwhile are held, then sent
    // if they are newer than what was already sent.
    const held: ExecutionEvent[] = [];
    let forward: ((event: ExecutionEvent) => void) | null = null;
    const subscription = this.bus
      .forExecution(id)
      .subscribe((event) => (forward ? forward(event) : held.push(event)));
    let stream: SseStream;
    try {
      stream = this.streams.open(principal, res);
    } catch (err) {
      subscription.unsubscribe();
      throw err;
    }
    stream.onClose(() => subscription.unsubscribe());

    let lastSent: string | null = null;
    const send = (event: ExecutionEvent): void => {
      if (stream.closed || !event.id) return;
      if (lastSent && compareStreamIds(event.id, lastSent) <= 0) return;
      stream.send(publicEvent(event), { id: event.id, event: event.type });
      lastSent = event.id;
      if (isFinalEvent(event)) stream.close();
    };

    const missed = isStreamId(lastEventId) ? await this.missedSince(id, lastEventId) : null;
    if (missed) {
      lastSent = lastEventId as string;
      for (const event of missed) send(event);
    } else {
      lastSent = await this.sendSnapshot(userId, id, stream);
    }
    if (stream.closed) return;
    for (const event of held.splice(0)) send(event);
    forward = send;
    if (missed && !stream.closed) await this.closeIfEnded(userId, id, stream);
  }

  /** Events after `lastEventId`; null when Redis cannot tell (a snapshot is sent instead). */
  private async missedSince(id: string, lastEventId: string): Promise<ExecutionEvent[] | null> {
    try {
      return await this.bus.log.since(id, lastEventId);
    } catch (err) {
      if (err instanceof RedisUnavailable) return null;
      throw err;
    }
  }

  /**
   * The snapshot (from MySQL) carries the id of the newest event it reflects, so a resume
   * starts there; while Redis is away it goes without one.
   */
  private async sendSnapshot(
    userId: string,
    id: string,
    stream: SseStream,
  ): Promise<string | null> {
    const latest = await this.bus.log.latestId(id).catch((err: unknown) => {
      if (err instanceof RedisUnavailable) return null;
      throw err;
    });
    const snapshot = await this.executions.get(userId, id);
    stream.send(
      { execution: ExecutionDto.from(snapshot) },
      { id: latest ?? undefined, event: 'snapshot' },
    );
    if (isFinal(snapshot.status)) stream.close();
    return latest;
  }

  /**
   * A resumed stream that replayed no final event would wait forever once the run has ended
   * (its events expired, or Last-Event-ID pointed past the end): it gets the snapshot and
   * closes.
   */
  private async closeIfEnded(userId: string, id: string, stream: SseStream): Promise<void> {
    const current = await this.executions.get(userId, id);
    if (isFinal(current.status) && !stream.closed) {
      stream.send({ execution: ExecutionDto.from(current) }, { event: 'snapshot' });
      stream.close();
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig, SseStream, openSse } from '@app/common';
import { ExecutionDto } from './dto/execution.response';
import { isFinal } from './entities/execution.entity';
import { ExecutionEvent, isFinalEvent, publicEvent } from './execution.events';
import { ExecutionEventBus } from './execution-event-bus.service';
import { compareStreamIds, isStreamId } from './execution-event-log.service';
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
    private readonly config: AppConfig,
  ) {}

  async streamExecution(
    userId: string,
    id: string,
    res: Response,
    lastEventId?: string,
  ): Promise<void> {
    // Ownership first, so that a foreign id answers a plain 404 envelope.
    await this.executions.get(userId, id);

    // Subscribe before reading anything: events that arrive meanwhile are held, then sent
    // if they are newer than what was already sent.
    const held: ExecutionEvent[] = [];
    let forward: ((event: ExecutionEvent) => void) | null = null;
    const subscription = this.bus
      .forExecution(id)
      .subscribe((event) => (forward ? forward(event) : held.push(event)));
    const stream = openSse(res, this.config.ssePingMs);
    stream.onClose(() => subscription.unsubscribe());

    let lastSent: string | null = null;
    const send = (event: ExecutionEvent): void => {
      if (stream.closed || !event.id) return;
      if (lastSent && compareStreamIds(event.id, lastSent) <= 0) return;
      stream.send(publicEvent(event), { id: event.id, event: event.type });
      lastSent = event.id;
      if (isFinalEvent(event)) stream.close();
    };

    if (isStreamId(lastEventId)) {
      lastSent = lastEventId;
      for (const event of await this.bus.log.since(id, lastEventId)) send(event);
    } else {
      lastSent = await this.sendSnapshot(userId, id, stream);
    }
    if (stream.closed) return;
    for (const event of held.splice(0)) send(event);
    forward = send;
    if (!stream.closed) await this.closeIfEndedUnseen(userId, id, stream, lastEventId);
  }

  /** The snapshot carries the id of the newest event it reflects, so a resume starts there. */
  private async sendSnapshot(
    userId: string,
    id: string,
    stream: SseStream,
  ): Promise<string | null> {
    const latest = await this.bus.log.latestId(id);
    const snapshot = await this.executions.get(userId, id);
    stream.send(
      { execution: ExecutionDto.from(snapshot) },
      { id: latest ?? undefined, event: 'snapshot' },
    );
    if (isFinal(snapshot.status)) stream.close();
    return latest;
  }

  /**
   * A resumed stream whose events have expired from Redis would wait forever for a final
   * event it can no longer get: when the run has ended, send the snapshot and close.
   */
  private async closeIfEndedUnseen(
    userId: string,
    id: string,
    stream: SseStream,
    lastEventId: string | undefined,
  ): Promise<void> {
    if (!isStreamId(lastEventId) || (await this.bus.log.latestId(id)) !== null) return;
    const current = await this.executions.get(userId, id);
    if (isFinal(current.status) && !stream.closed) {
      stream.send({ execution: ExecutionDto.from(current) }, { event: 'snapshot' });
      stream.close();
    }
  }
}

import { Injectable } from '@nestjs/common';
import type { Response } from 'express';
import { Subscription } from 'rxjs';
import { AppConfig, openSse } from '@app/common';
import { ExecutionDto } from './dto/execution.response';
import { isFinal } from './entities/execution.entity';
import { ExecutionEvent, isFinalEvent } from './execution.events';
import { ExecutionEventBus } from './execution-event-bus.service';
import { ExecutionService } from './execution.service';

/** `GET /executions/{id}/events`: snapshot first, then live events until the final one. */
@Injectable()
export class ExecutionStreamService {
  constructor(
    private readonly executions: ExecutionService,
    private readonly bus: ExecutionEventBus,
    private readonly config: AppConfig,
  ) {}

  async streamExecution(userId: string, id: string, res: Response): Promise<void> {
    // Ownership first, so that a foreign id answers a plain 404 envelope.
    await this.executions.get(userId, id);

    // Subscribe before reading the snapshot: nothing can fall between the two.
    const buffered: ExecutionEvent[] = [];
    let snapshotSent = false;
    const subscription: Subscription = this.bus
      .forExecution(id)
      .subscribe((event) => (snapshotSent ? live(event) : buffered.push(event)));
    const stream = openSse(res, this.config.ssePingMs);
    stream.onClose(() => subscription.unsubscribe());

    const snapshot = await this.executions.get(userId, id);
    stream.send({ execution: ExecutionDto.from(snapshot) }, { event: 'snapshot' });
    if (isFinal(snapshot.status)) {
      stream.close();
      return;
    }
    const live = (event: ExecutionEvent) => {
      stream.send(event, { event: event.type });
      if (isFinalEvent(event)) stream.close();
    };
    snapshotSent = true;
    // Events that raced with the snapshot are replayed; each is a state, so a repeat is harmless.
    for (const event of buffered) {
      live(event);
      if (stream.closed) return;
    }
  }
}

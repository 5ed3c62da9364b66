import { Injectable } from '@nestjs/common';
import { AppConfig, RedisService } from '@app/common';
import { ExecutorChannels } from './executor.constants';
import { ExecutorStore } from './executor.store';

/** What other features may ask of a user's executors, wherever they are connected. */
@Injectable()
export class ExecutorCommands {
  constructor(
    private readonly store: ExecutorStore,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
  ) {}

  /** Whether runs of this deployment go to the users' own executors. */
  get required(): boolean {
    return this.config.robot.mode === 'executor';
  }

  isOnline(userId: string): Promise<boolean> {
    return this.store.hasConnection(userId);
  }

  /**
   * Sends `remote/stop_current` to every connection of the user (each on the api process that
   * holds it); answers how many connections were asked.
   */
  async stopCurrent(userId: string): Promise<number> {
    const connections = await this.store.connectionsOf(userId);
    if (connections.length) await this.redis.publish(ExecutorChannels.StopCurrent, userId);
    return connections.length;
  }
}

import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { AppConfig, RedisService } from '@app/common';
import { ExecutionJobData } from './execution.constants';
import { ExecutionQueue } from './execution.queue';
import { RobotClient } from './robot/robot-client';

/** A nudge nobody consumed (the run ended meanwhile) is forgotten after this. */
const NUDGE_TTL_MS = 10 * 60 * 1000;

/**
 * The one way a pushed change of a robot task reaches its run (docs/robot-service.md): an
 * executor's reply, a robot service's callback. The run's job is parked (delayed) between
 * looks; a nudge promotes it so its next step, which queries the robot, runs now. A nudge
 * that arrives while a step is running is kept in Redis and taken by that step once it has
 * parked, so none is lost between the step's query and its parking (a nudge already seen by
 * the step costs one more look at most).
 */
@Injectable()
export class TaskSettlement implements OnModuleInit {
  private readonly logger = new Logger(TaskSettlement.name);

  constructor(
    private readonly queue: ExecutionQueue,
    private readonly redis: RedisService,
    private readonly robot: RobotClient,
    private readonly config: AppConfig,
  ) {}

  /** Workers follow runs: they hear the robot's pushes (executor replies) and pass them on. */
  onModuleInit(): void {
    if (!this.config.runsWorker) return;
    this.robot.onPush((executionId) => {
      this.nudge(executionId).catch((err: Error) =>
        this.logger.warn(`Could not nudge execution ${executionId}: ${err.message}`),
      );
    });
  }

  /** The run's task changed: look at it now rather than at the next planned look. */
  async nudge(executionId: string): Promise<void> {
    await this.redis.setFor(this.key(executionId), '1', NUDGE_TTL_MS);
    const job = await this.queue.job(executionId);
    // Not delayed (waiting, or a step runs): that step takes the nudge after parking.
    if (job) await this.queue.runParkedNow(job);
  }

  /** After the job parked: a nudge that came during the step wakes it again at once. */
  async wakeIfNudged(job: Job<ExecutionJobData>): Promise<void> {
    if (!(await this.redis.take(this.key(job.data.executionId)))) return;
    await this.queue.runParkedNow(job);
  }

  private key(executionId: string): string {
    return `executions:${executionId}:nudge`;
  }
}

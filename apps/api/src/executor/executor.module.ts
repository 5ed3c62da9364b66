import { Module } from '@nestjs/common';
import { ExecutorAdminController, ExecutorController } from './executor.controller';
import { ExecutorCommands } from './executor.commands';
import { ExecutorGateway } from './executor.gateway';
import { ExecutorHub } from './executor.hub';
import { ExecutorManagedService } from './executor-managed.service';
import { ExecutorStore } from './executor.store';

/**
 * The executor bridge's server side (docs/executors.md): `/ws`, presence, dispatch and the
 * executors' routes; only in processes that serve the API. Workers reach executors through
 * ExecutorRobotClient and Redis.
 */
@Module({
  controllers: [ExecutorController, ExecutorAdminController],
  providers: [
    ExecutorStore,
    ExecutorManagedService,
    ExecutorHub,
    ExecutorGateway,
    ExecutorCommands,
  ],
  exports: [ExecutorCommands],
})
export class ExecutorModule {}

import { Module } from '@nestjs/common';
import { ExecutorAdminController, ExecutorController } from './executor.controller';
import { ExecutorCommands } from './executor-commands.service';
import { ExecutorGateway } from './executor.gateway';
import { ExecutorHub } from './executor-hub.service';
import { ExecutorManaged } from './executor-managed.service';
import { ExecutorStore } from './executor.store';

/**
 * The executor bridge's server side (docs/executors.md): `/ws`, presence, dispatch and the
 * executors' routes; only in processes that serve the API. Workers reach executors through
 * ExecutorRobotClient and Redis.
 */
@Module({
  controllers: [ExecutorController, ExecutorAdminController],
  providers: [ExecutorStore, ExecutorManaged, ExecutorHub, ExecutorGateway, ExecutorCommands],
  exports: [ExecutorCommands],
})
export class ExecutorModule {}

import { DynamicModule, Module } from '@nestjs/common';
import { AdminAuditInterceptor } from '@app/common';
import { AdminQueueService } from './admin-queue.service';
import { AdminController } from './admin.controller';
import { bullBoardModules } from './bull-board';

export interface AdminModuleOptions {
  /** Serve the routes (api role); a worker has no admin surface. */
  http: boolean;
  /** The application's ExecutionModule (the same dynamic module instance, not a second one). */
  execution: DynamicModule;
}

/**
 * docs/operating.md on top of the execution, workflow and api-key services (never the other way
 * round): queue maintenance, any user's executions, reconcile, key revocation, Bull Board.
 */
@Module({})
export class AdminModule {
  static register(options: AdminModuleOptions): DynamicModule {
    if (!options.http) return { module: AdminModule };
    return {
      module: AdminModule,
      imports: [options.execution, ...bullBoardModules()],
      controllers: [AdminController],
      providers: [AdminQueueService, AdminAuditInterceptor],
    };
  }
}

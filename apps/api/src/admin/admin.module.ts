import { DynamicModule, Module } from '@nestjs/common';
import { AdminAuditInterceptor } from '@app/common';
import { ExecutionModule } from '../execution';
import { AdminQueueService } from './admin-queue.service';
import { AdminController } from './admin.controller';
import { bullBoardModules } from './bull-board';

/**
 * docs/operating.md on top of the execution, workflow and api-key services (never the other way
 * round): queue maintenance, any user's executions, reconcile, key revocation, Bull Board. Only
 * processes that serve the API have it; a worker has no admin surface.
 */
@Module({})
export class AdminHttpModule {
  /**
   * A dynamic module for one reason: Nest adds the imports of a dynamic module as soon as the
   * module itself, so Bull Board's (global) middleware is registered ahead of the request
   * logger's and answers /admin/queues before it (no request log line, no X-Request-ID).
   */
  static forRoot(): DynamicModule {
    return {
      module: AdminHttpModule,
      imports: [ExecutionModule, ...bullBoardModules()],
      controllers: [AdminController],
      providers: [AdminQueueService, AdminAuditInterceptor],
    };
  }
}

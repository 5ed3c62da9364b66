import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Post,
  Query,
  UseInterceptors,
} from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors, Auth, mapPage } from '@app/common';
import { ApiKeyService } from '../api-key';
import {
  ExecutionDto,
  ExecutionEnvelopeDto,
  ExecutionPageDto,
} from '../execution/dto/execution.response';
import { ExecutionReconciler } from '../execution/execution-reconciler.service';
import { ExecutionRetention } from '../execution/execution-retention.service';
import { ExecutionService } from '../execution/execution.service';
import { ADMIN_ACTOR_HEADER, AdminAuditInterceptor } from './admin-audit';
import { AdminQueueService } from './admin-queue.service';
import {
  AdminListExecutionsQueryDto,
  CleanQueueDto,
  CleanResultDto,
  PruneReportDto,
  QueueStatusDto,
  ReconcileReportDto,
  RetryFailedDto,
  RevokedKeysDto,
} from './dto/admin.dto';

/**
 * Maintenance routes of docs/operating.md, for operators: `Authorization: Bearer <ADMIN_TOKEN>`
 * (404 when no token is configured). Every call is written to the log by AdminAuditInterceptor.
 */
@ApiTags('admin')
@ApiBearerAuth()
@ApiHeader({
  name: ADMIN_ACTOR_HEADER,
  required: false,
  description: 'Operator name recorded in the audit log (not verified)',
})
@Auth('admin')
@UseInterceptors(AdminAuditInterceptor)
@Controller('admin')
export class AdminController {
  constructor(
    private readonly queue: AdminQueueService,
    private readonly executions: ExecutionService,
    private readonly reconciler: ExecutionReconciler,
    private readonly retention: ExecutionRetention,
    private readonly keys: ApiKeyService,
  ) {}

  @Get('queue')
  @ApiOperation({ summary: 'Job counts by state, and whether the queue is paused' })
  @ApiEnvelope(QueueStatusDto)
  @ApiErrors(401, 404)
  status(): Promise<QueueStatusDto> {
    return this.queue.status();
  }

  @Post('queue/pause')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the queue everywhere: workers take no new job' })
  @ApiEnvelope(QueueStatusDto)
  @ApiErrors(401, 404)
  pause(): Promise<QueueStatusDto> {
    return this.queue.pause();
  }

  @Post('queue/resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume the queue' })
  @ApiEnvelope(QueueStatusDto)
  @ApiErrors(401, 404)
  resume(): Promise<QueueStatusDto> {
    return this.queue.resume();
  }

  @Post('queue/retry-failed')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Move failed jobs back to waiting',
    description:
      'A job whose execution already ended does nothing when it runs again; use reconcile ' +
      'for executions left PENDING/RUNNING.',
  })
  @ApiEnvelope(RetryFailedDto)
  @ApiErrors(401, 404)
  async retryFailed(): Promise<RetryFailedDto> {
    return { retried: await this.queue.retryFailed() };
  }

  @Post('queue/clean')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove completed or failed jobs older than older_than_ms' })
  @ApiEnvelope(CleanResultDto)
  @ApiErrors(400, 401, 404)
  clean(@Body() dto: CleanQueueDto): Promise<CleanResultDto> {
    return this.queue.clean(dto.state, dto.older_than_ms, dto.limit);
  }

  @Get('executions')
  @ApiOperation({ summary: "Any user's executions, newest first" })
  @ApiEnvelope(ExecutionPageDto)
  @ApiErrors(400, 401, 404)
  async listExecutions(@Query() query: AdminListExecutionsQueryDto): Promise<ExecutionPageDto> {
    return mapPage(await this.executions.list(query.user_id, query), ExecutionDto.from);
  }

  @Post('executions/:id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel any PENDING or RUNNING execution (and its robot task)' })
  @ApiEnvelope(ExecutionEnvelopeDto)
  @ApiErrors(401, 404, 409)
  async cancel(@Param('id') id: string): Promise<ExecutionEnvelopeDto> {
    return { execution: ExecutionDto.from(await this.executions.cancel(id)) };
  }

  @Post('reconcile')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Re-enqueue or fail executions left PENDING/RUNNING without a live job',
    description:
      'PENDING: queued again. RUNNING with a robot task: queued again to follow the same task ' +
      '(never a second one). RUNNING without a task: FAILED. Reports each execution acted on.',
  })
  @ApiEnvelope(ReconcileReportDto)
  @ApiErrors(401, 404)
  reconcile(): Promise<ReconcileReportDto> {
    return this.reconciler.reconcile();
  }

  @Post('prune')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Run retention now: delete ended executions older than EXECUTION_RETENTION_DAYS',
    description:
      'Deletes in batches of RETENTION_BATCH_SIZE, with their log lines and stored events.',
  })
  @ApiEnvelope(PruneReportDto)
  @ApiErrors(401, 404)
  prune(): Promise<PruneReportDto> {
    return this.retention.prune();
  }

  @Delete('users/:user_id/api-keys')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke every API key of a user (effective everywhere within 1 s)' })
  @ApiEnvelope(RevokedKeysDto)
  @ApiErrors(401, 404)
  async revokeKeys(@Param('user_id') userId: string): Promise<RevokedKeysDto> {
    return { user_id: userId, revoked: await this.keys.revokeAllForUser(userId) };
  }
}

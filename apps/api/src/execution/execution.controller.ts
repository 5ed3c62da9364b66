import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  mapPage,
  PageQueryDto,
  Principal,
  RawResponse,
  RequestId,
  Scopes,
} from '@app/common';
import { StartBudget, StartBudgetOf } from '../limits';
import { ListExecutionsQueryDto } from './dto/execution-query.dto';
import {
  ExecutionDto,
  ExecutionEnvelopeDto,
  ExecutionLogDto,
  ExecutionLogPageDto,
  ExecutionPageDto,
} from './dto/execution.response';
import { StartExecutionDto, runOptionsOf } from './dto/start-execution.dto';
import { ExecutionStreamService } from './execution-stream.service';
import { ExecutionService } from './execution.service';

@ApiTags('executions')
@ApiBearerAuth()
@Controller('v1/executions')
export class ExecutionController {
  constructor(
    private readonly executions: ExecutionService,
    private readonly streams: ExecutionStreamService,
  ) {}

  @Post()
  @HttpCode(202)
  @Auth('key')
  @Scopes('execute')
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Repeats return the first execution',
  })
  @ApiOperation({ summary: 'Start an execution' })
  @ApiEnvelope(ExecutionEnvelopeDto, { status: 202 })
  @ApiErrors(400, 401, 403, 404, 409, 429, 503)
  async start(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Body() dto: StartExecutionDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @RequestId() requestId: string | undefined,
  ): Promise<ExecutionEnvelopeDto> {
    const { execution } = await this.executions.start({
      ...runOptionsOf(dto),
      projectId: dto.project_id,
      userId: principal.userId,
      trigger: 'api',
      idempotencyKey,
      requestId,
      budget,
    });
    return { execution: ExecutionDto.from(execution) };
  }

  @Get()
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({ summary: 'List own executions, newest first' })
  @ApiEnvelope(ExecutionPageDto)
  @ApiErrors(400, 401)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListExecutionsQueryDto,
  ): Promise<ExecutionPageDto> {
    return mapPage(await this.executions.list(principal.userId, query), ExecutionDto.from);
  }

  @Get(':id')
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({ summary: 'One execution' })
  @ApiEnvelope(ExecutionEnvelopeDto)
  @ApiErrors(401, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<ExecutionEnvelopeDto> {
    return { execution: ExecutionDto.from(await this.executions.get(principal.userId, id)) };
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @Auth('user', 'key')
  @Scopes('execute')
  @ApiOperation({ summary: 'Cancel a PENDING or RUNNING execution (and its robot task)' })
  @ApiEnvelope(ExecutionEnvelopeDto)
  @ApiErrors(401, 404, 409)
  async cancel(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<ExecutionEnvelopeDto> {
    return { execution: ExecutionDto.from(await this.executions.cancel(id, principal.userId)) };
  }

  @Post(':id/retry')
  @HttpCode(202)
  @Auth('key')
  @Scopes('execute')
  @ApiOperation({
    summary: 'Start a new run with the same inputs (retry_of points back); 409 while it runs',
  })
  @ApiEnvelope(ExecutionEnvelopeDto, { status: 202 })
  @ApiErrors(400, 401, 403, 404, 409, 429, 503)
  async retry(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Param('id') id: string,
    @RequestId() requestId: string | undefined,
  ): Promise<ExecutionEnvelopeDto> {
    return {
      execution: ExecutionDto.from(
        await this.executions.retry(principal.userId, id, budget, requestId),
      ),
    };
  }

  @Get(':id/logs')
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({ summary: "The robot's log lines for an execution" })
  @ApiEnvelope(ExecutionLogPageDto)
  @ApiErrors(401, 404)
  async logs(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Query() query: PageQueryDto,
  ): Promise<ExecutionLogPageDto> {
    return mapPage(
      await this.executions.listLogs(principal.userId, id, query),
      ExecutionLogDto.from,
    );
  }

  @Get(':id/events')
  @Auth('user', 'key', 'stream')
  @Scopes('read')
  @RawResponse()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Server-Sent Events: a snapshot, then live events; closes after the final one',
    description:
      'Each event has an id; reconnect with Last-Event-ID to receive exactly the missed events.',
  })
  @ApiHeader({ name: 'Last-Event-ID', required: false })
  @ApiQuery({
    name: 'stream_token',
    required: false,
    description: 'For browsers (EventSource): a token from POST /executions/{id}/stream-token',
  })
  @ApiErrors(401, 404, 429)
  async events(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await this.streams.streamExecution(principal, id, res, lastEventId);
  }
}

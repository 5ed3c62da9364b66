import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ApiEnvelope,
  ApiErrors,
  AppConfig,
  Auth,
  CurrentPrincipal,
  Principal,
  RequestId,
  Scopes,
} from '@app/common';
import { StartBudget, StartBudgetOf } from '../limits';
import { ExecutionDto, ExecutionEnvelopeDto, ExecutionIdDto } from './dto/execution.response';
import {
  ExecuteAsyncWorkflowDto,
  ExecuteWorkflowDto,
  runOptionsOf,
} from './dto/start-execution.dto';
import { isFinal } from './entities/execution.entity';
import { ExecutionService } from './execution.service';

/** Start routes of one workflow, true HTTP statuses. */
@ApiTags('executions')
@ApiBearerAuth()
@Auth('key')
@Scopes('execute')
@Controller('v1/workflows')
export class WorkflowExecutionController {
  constructor(
    private readonly executions: ExecutionService,
    private readonly config: AppConfig,
  ) {}

  @Post(':project_id/execute')
  @ApiOperation({
    summary: 'Start and wait: 200 {execution} when it ended in time, 202 when still running',
  })
  @ApiEnvelope(ExecutionEnvelopeDto)
  @ApiEnvelope(ExecutionEnvelopeDto, { status: 202, description: 'Still running; poll it' })
  @ApiErrors(400, 401, 403, 404, 409, 429, 503)
  async execute(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Param('project_id') projectId: string,
    @Body() dto: ExecuteWorkflowDto,
    @RequestId() requestId: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<ExecutionEnvelopeDto> {
    const { wait_ms: waitMs, ...options } = dto;
    const { execution } = await this.executions.start({
      ...runOptionsOf(options),
      projectId,
      userId: principal.userId,
      trigger: 'api',
      requestId,
      budget,
    });
    const limit = Math.min(waitMs ?? Number.MAX_SAFE_INTEGER, this.config.execution.syncTimeoutMs);
    const current = await this.executions.waitForEnd(execution.id, limit);
    res.status(isFinal(current.status) ? 200 : 202);
    return { execution: ExecutionDto.from(current) };
  }

  @Post(':project_id/execute-async')
  @HttpCode(202)
  @ApiOperation({ summary: 'Start; 202 {executionId}' })
  @ApiEnvelope(ExecutionIdDto, { status: 202 })
  @ApiErrors(400, 401, 403, 404, 409, 429, 503)
  async executeAsync(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Param('project_id') projectId: string,
    @Body() dto: ExecuteAsyncWorkflowDto,
    @RequestId() requestId: string | undefined,
  ): Promise<ExecutionIdDto> {
    const { execution } = await this.executions.start({
      ...runOptionsOf(dto),
      projectId,
      userId: principal.userId,
      trigger: 'api',
      requestId,
      budget,
    });
    return { executionId: execution.id };
  }
}

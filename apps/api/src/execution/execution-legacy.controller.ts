import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  AppConfig,
  Auth,
  CurrentPrincipal,
  LegacyRoute,
  Principal,
  RequestId,
  Scopes,
} from '@app/common';
import { StartBudget, StartBudgetOf } from '../limits/start-budget';
import { ExecutionDto, ExecutionEnvelopeDto, ExecutionIdDto } from './dto/execution.response';
import { StartExecutionDto } from './dto/start-execution.dto';
import { ExecutionService } from './execution.service';

/** The execution routes of the platform's existing clients (unprefixed, legacy envelope). */
@ApiTags('legacy')
@ApiBearerAuth()
@LegacyRoute()
@Controller()
export class ExecutionLegacyController {
  constructor(
    private readonly executions: ExecutionService,
    private readonly config: AppConfig,
  ) {}

  @Post('workflows/execute')
  @HttpCode(200)
  @Auth('key')
  @Scopes('execute')
  @ApiOperation({ summary: 'Start and wait; 200 {execution} whether ended or still running' })
  @ApiEnvelope(ExecutionEnvelopeDto)
  @ApiErrors(400, 401, 429, 503)
  async execute(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Body() dto: StartExecutionDto,
    @RequestId() requestId: string | undefined,
  ): Promise<ExecutionEnvelopeDto> {
    const { execution } = await this.executions.start({
      ...dto,
      userId: principal.userId,
      trigger: 'api',
      requestId,
      budget,
    });
    const ended = await this.executions.waitForEnd(
      execution.id,
      this.config.execution.syncTimeoutMs,
    );
    return { execution: ExecutionDto.from(ended) };
  }

  @Post('workflows/execute-async')
  @HttpCode(202)
  @Auth('key')
  @Scopes('execute')
  @ApiOperation({ summary: 'Start; 202 {executionId}' })
  @ApiEnvelope(ExecutionIdDto, { status: 202 })
  @ApiErrors(400, 401, 429, 503)
  async executeAsync(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Body() dto: StartExecutionDto,
    @RequestId() requestId: string | undefined,
  ): Promise<ExecutionIdDto> {
    const { execution } = await this.executions.start({
      ...dto,
      userId: principal.userId,
      trigger: 'api',
      requestId,
      budget,
    });
    return { executionId: execution.id };
  }

  @Get('executions/:id')
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({ summary: 'One execution' })
  @ApiEnvelope(ExecutionEnvelopeDto)
  @ApiErrors(401)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<ExecutionEnvelopeDto> {
    return { execution: ExecutionDto.from(await this.executions.get(principal.userId, id)) };
  }
}

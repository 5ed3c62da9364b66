import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
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
import { ExecutionIdDto } from './dto/execution.response';
import { LegacyListExecutionsQueryDto } from './dto/execution-query.dto';
import {
  LegacyExecutionDto,
  LegacyExecutionEnvelopeDto,
  LegacyExecutionPageDto,
} from './dto/legacy-execution.response';
import { LegacyStartExecutionDto, legacyRunOptions } from './dto/legacy-start-execution.dto';
import { ExecutionService } from './execution.service';

/**
 * The execution routes of the platform's existing clients: unprefixed, legacy envelope
 * (business errors answer 200 with code 5001), lenient bodies, the legacy status vocabulary.
 */
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
  @ApiEnvelope(LegacyExecutionEnvelopeDto)
  @ApiErrors(400, 401, 403, 429, 503)
  async execute(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Body() dto: LegacyStartExecutionDto,
    @RequestId() requestId: string | undefined,
  ): Promise<LegacyExecutionEnvelopeDto> {
    const { execution } = await this.start(principal, budget, dto, requestId);
    const ended = await this.executions.waitForEnd(
      execution.id,
      this.config.execution.syncTimeoutMs,
    );
    return { execution: LegacyExecutionDto.from(ended) };
  }

  @Post('workflows/execute-async')
  @HttpCode(202)
  @Auth('key')
  @Scopes('execute')
  @ApiOperation({ summary: 'Start; 202 {executionId}' })
  @ApiEnvelope(ExecutionIdDto, { status: 202 })
  @ApiErrors(400, 401, 403, 429, 503)
  async executeAsync(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Body() dto: LegacyStartExecutionDto,
    @RequestId() requestId: string | undefined,
  ): Promise<ExecutionIdDto> {
    const { execution } = await this.start(principal, budget, dto, requestId);
    return { executionId: execution.id };
  }

  @Get('executions/get')
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({ summary: 'Own executions, newest first, legacy page shape' })
  @ApiEnvelope(LegacyExecutionPageDto)
  @ApiErrors(400, 401)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LegacyListExecutionsQueryDto,
  ): Promise<LegacyExecutionPageDto> {
    const page = await this.executions.list(principal.userId, query);
    return {
      executions: page.records.map((e) => LegacyExecutionDto.from(e)),
      total: page.total,
      pageNo: query.pageNo,
      pageSize: query.pageSize,
      total_pages: Math.ceil(page.total / query.pageSize),
    };
  }

  @Get('executions/:id')
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({ summary: 'One execution (PENDING, COMPLETED or FAILED); unknown: code 5001' })
  @ApiEnvelope(LegacyExecutionEnvelopeDto)
  @ApiErrors(401)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<LegacyExecutionEnvelopeDto> {
    return { execution: LegacyExecutionDto.from(await this.executions.get(principal.userId, id)) };
  }

  private start(
    principal: Principal,
    budget: StartBudget,
    dto: LegacyStartExecutionDto,
    requestId?: string,
  ) {
    return this.executions.start({
      ...legacyRunOptions(dto, this.config.robot.timeoutMs),
      userId: principal.userId,
      trigger: 'api',
      requestId,
      budget,
    });
  }
}

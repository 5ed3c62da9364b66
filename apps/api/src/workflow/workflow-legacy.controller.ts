import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  LegacyRoute,
  Principal,
  Scopes,
} from '@app/common';
import { LegacyUpsertWorkflowDto } from './dto/legacy-upsert-workflow.dto';
import { LegacyGetWorkflowsQueryDto } from './dto/workflow-query.dto';
import {
  LegacyWorkflowLookupDto,
  LegacyWorkflowPageDto,
  UpsertWorkflowResponseDto,
  WorkflowDto,
  WorkflowEnvelopeDto,
} from './dto/workflow.response';
import { WorkflowService } from './workflow.service';

/**
 * The workflow routes of the platform's existing clients: unprefixed, legacy envelope
 * (business errors answer 200 with code 5001), lenient input, merging upsert.
 */
@ApiTags('legacy')
@ApiBearerAuth()
@Auth('user', 'key')
@LegacyRoute()
@Controller('workflows')
export class WorkflowLegacyController {
  constructor(private readonly workflows: WorkflowService) {}

  @Post('upsert')
  @HttpCode(200)
  @Scopes('manage')
  @ApiOperation({
    summary: 'Create or update by project_id; fields left out keep their value, null clears',
  })
  @ApiEnvelope(UpsertWorkflowResponseDto)
  @ApiErrors(400, 401)
  async upsert(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: LegacyUpsertWorkflowDto,
  ): Promise<UpsertWorkflowResponseDto> {
    const { workflow, action } = await this.workflows.merge(principal.userId, dto);
    return { workflow: WorkflowDto.from(workflow), action };
  }

  @Get('get')
  @Scopes('read')
  @ApiOperation({ summary: 'Own workflows; with ?project_id= one: {workflow} or {workflow: null}' })
  @ApiEnvelope(LegacyWorkflowPageDto)
  @ApiErrors(400, 401)
  async getAll(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LegacyGetWorkflowsQueryDto,
  ): Promise<LegacyWorkflowPageDto | LegacyWorkflowLookupDto> {
    if (query.project_id !== undefined) {
      const workflow = await this.workflows.find(principal.userId, query.project_id);
      return { workflow: workflow ? WorkflowDto.from(workflow) : null };
    }
    const page = await this.workflows.list(principal.userId, query);
    return {
      total: page.total,
      // Every workflow here is the caller's own; the platform's shared examples do not exist.
      personal_total: page.total,
      public_total: 0,
      records: page.records.map((w) => WorkflowDto.from(w)),
    };
  }

  @Get('get/:project_id')
  @Scopes('read')
  @ApiOperation({ summary: 'One workflow, or null (code 0000) when absent' })
  @ApiEnvelope(WorkflowEnvelopeDto)
  @ApiErrors(401)
  async getOne(
    @CurrentPrincipal() principal: Principal,
    @Param('project_id') projectId: string,
  ): Promise<WorkflowEnvelopeDto | null> {
    const workflow = await this.workflows.find(principal.userId, projectId);
    return workflow ? { workflow: WorkflowDto.from(workflow) } : null;
  }
}

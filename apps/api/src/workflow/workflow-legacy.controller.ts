import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  LegacyRoute,
  mapPage,
  Principal,
  Scopes,
} from '@app/common';
import { UpsertWorkflowDto } from './dto/upsert-workflow.dto';
import { LegacyGetWorkflowsQueryDto } from './dto/workflow-query.dto';
import {
  UpsertWorkflowResponseDto,
  WorkflowDto,
  WorkflowEnvelopeDto,
  WorkflowPageDto,
} from './dto/workflow.response';
import { WorkflowService } from './workflow.service';

/** The workflow routes of the platform's existing clients (unprefixed, legacy envelope). */
@ApiTags('legacy')
@ApiBearerAuth()
@ApiHeader({ name: 'X-User-Id', required: false, description: 'Trusted gateway header' })
@Auth('user', 'key')
@LegacyRoute()
@Controller('workflows')
export class WorkflowLegacyController {
  constructor(private readonly workflows: WorkflowService) {}

  @Post('upsert')
  @HttpCode(200)
  @Scopes('manage')
  @ApiOperation({ summary: 'Create or update a workflow by project_id' })
  @ApiEnvelope(UpsertWorkflowResponseDto)
  @ApiErrors(400, 401)
  async upsert(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: UpsertWorkflowDto,
  ): Promise<UpsertWorkflowResponseDto> {
    const { workflow, action } = await this.workflows.upsert(principal.userId, dto);
    return { workflow: WorkflowDto.from(workflow), action };
  }

  @Get('get')
  @Scopes('read')
  @ApiOperation({ summary: 'List own workflows, or one (or null) with ?project_id=' })
  @ApiEnvelope(WorkflowPageDto)
  @ApiErrors(400, 401)
  async getAll(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LegacyGetWorkflowsQueryDto,
  ): Promise<WorkflowPageDto | WorkflowEnvelopeDto | null> {
    if (query.project_id !== undefined) return this.one(principal.userId, query.project_id);
    return mapPage(await this.workflows.list(principal.userId, query), WorkflowDto.from);
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
    return this.one(principal.userId, projectId);
  }

  private async one(userId: string, projectId: string): Promise<WorkflowEnvelopeDto | null> {
    const workflow = await this.workflows.find(userId, projectId);
    return workflow ? { workflow: WorkflowDto.from(workflow) } : null;
  }
}

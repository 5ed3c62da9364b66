import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
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
import { LegacyGetWorkflowsQueryDto } from './dto/workflow-query.dto';
import { WorkflowDto, WorkflowEnvelopeDto, WorkflowPageDto } from './dto/workflow.response';
import { WorkflowService } from './workflow.service';

/**
 * DESIGN §5 read routes. Registered before WorkflowController so that `/workflows/get`
 * is not taken for a project id.
 */
@ApiTags('legacy')
@ApiBearerAuth()
@Auth('user', 'key')
@Scopes('read')
@LegacyRoute()
@Controller('workflows/get')
export class WorkflowLegacyController {
  constructor(private readonly workflows: WorkflowService) {}

  @Get()
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

  @Get(':project_id')
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

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  mapPage,
  Principal,
  Scopes,
} from '@app/common';
import { UpsertWorkflowDto } from './dto/upsert-workflow.dto';
import { ListWorkflowsQueryDto } from './dto/workflow-query.dto';
import {
  UpsertWorkflowResponseDto,
  WorkflowDto,
  WorkflowEnvelopeDto,
  WorkflowPageDto,
} from './dto/workflow.response';
import { WorkflowService } from './workflow.service';

@ApiTags('workflows')
@ApiBearerAuth()
@ApiHeader({ name: 'X-User-Id', required: false, description: 'Trusted gateway header' })
@Auth('user', 'key')
@Controller('v1/workflows')
export class WorkflowController {
  constructor(private readonly workflows: WorkflowService) {}

  @Post('upsert')
  @HttpCode(200)
  @Scopes('manage')
  @ApiOperation({ summary: 'Create or update a workflow by project_id' })
  @ApiEnvelope(UpsertWorkflowResponseDto)
  @ApiErrors(400, 401, 403, 409)
  async upsert(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: UpsertWorkflowDto,
  ): Promise<UpsertWorkflowResponseDto> {
    const { workflow, action } = await this.workflows.upsert(principal.userId, dto);
    return { workflow: WorkflowDto.from(workflow), action };
  }

  @Get()
  @Scopes('read')
  @ApiOperation({ summary: 'List own workflows' })
  @ApiEnvelope(WorkflowPageDto)
  @ApiErrors(400, 401)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListWorkflowsQueryDto,
  ): Promise<WorkflowPageDto> {
    return mapPage(await this.workflows.list(principal.userId, query), WorkflowDto.from);
  }

  @Get(':project_id')
  @Scopes('read')
  @ApiOperation({ summary: 'One workflow' })
  @ApiEnvelope(WorkflowEnvelopeDto)
  @ApiErrors(401, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('project_id') projectId: string,
  ): Promise<WorkflowEnvelopeDto> {
    return { workflow: WorkflowDto.from(await this.workflows.get(principal.userId, projectId)) };
  }

  @Delete(':project_id')
  @Scopes('manage')
  @ApiOperation({ summary: 'Delete a workflow (its schedules go with it; past runs stay)' })
  @ApiEnvelope(null)
  @ApiErrors(401, 404)
  async delete(
    @CurrentPrincipal() principal: Principal,
    @Param('project_id') projectId: string,
  ): Promise<null> {
    await this.workflows.delete(principal.userId, projectId);
    return null;
  }
}

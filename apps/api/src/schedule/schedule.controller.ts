import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  mapPage,
  PageQueryDto,
  Principal,
  Scopes,
} from '@app/common';
import { CreateScheduleDto, UpdateScheduleDto } from './dto/create-schedule.dto';
import { ScheduleDto, ScheduleEnvelopeDto, SchedulePageDto } from './dto/schedule.response';
import { ScheduleService } from './schedule.service';

/** DESIGN §14: schedules under their workflow, and by id. */
@ApiTags('schedules')
@ApiBearerAuth()
@ApiHeader({ name: 'X-User-Id', required: false, description: 'Trusted gateway header' })
@Auth('user', 'key')
@Controller('v1')
export class ScheduleController {
  constructor(private readonly schedules: ScheduleService) {}

  @Post('workflows/:project_id/schedules')
  @Scopes('manage')
  @ApiOperation({ summary: 'Run the workflow on a cron schedule (trigger "schedule")' })
  @ApiEnvelope(ScheduleEnvelopeDto, { status: 201 })
  @ApiErrors(400, 401, 403, 404, 409, 503)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Param('project_id') projectId: string,
    @Body() dto: CreateScheduleDto,
  ): Promise<ScheduleEnvelopeDto> {
    const schedule = await this.schedules.create(principal.userId, projectId, dto);
    return { schedule: ScheduleDto.from(schedule) };
  }

  @Get('workflows/:project_id/schedules')
  @Scopes('read')
  @ApiOperation({ summary: "A workflow's schedules" })
  @ApiEnvelope(SchedulePageDto)
  @ApiErrors(400, 401, 403, 404)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Param('project_id') projectId: string,
    @Query() query: PageQueryDto,
  ): Promise<SchedulePageDto> {
    return mapPage(await this.schedules.list(principal.userId, projectId, query), ScheduleDto.from);
  }

  @Get('schedules/:id')
  @Scopes('read')
  @ApiOperation({ summary: 'One schedule' })
  @ApiEnvelope(ScheduleEnvelopeDto)
  @ApiErrors(401, 403, 404)
  async get(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
  ): Promise<ScheduleEnvelopeDto> {
    return { schedule: ScheduleDto.from(await this.schedules.get(principal.userId, id)) };
  }

  @Patch('schedules/:id')
  @Scopes('manage')
  @ApiOperation({ summary: 'Enable or disable a schedule' })
  @ApiEnvelope(ScheduleEnvelopeDto)
  @ApiErrors(400, 401, 403, 404)
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() dto: UpdateScheduleDto,
  ): Promise<ScheduleEnvelopeDto> {
    const schedule = await this.schedules.setEnabled(principal.userId, id, dto.enabled);
    return { schedule: ScheduleDto.from(schedule) };
  }

  @Delete('schedules/:id')
  @Scopes('manage')
  @ApiOperation({ summary: 'Delete a schedule (its past runs stay)' })
  @ApiEnvelope(null)
  @ApiErrors(401, 403, 404)
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<null> {
    await this.schedules.remove(principal.userId, id);
    return null;
  }
}

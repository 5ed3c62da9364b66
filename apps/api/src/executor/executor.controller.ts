import { Controller, Get, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  AdminAuditInterceptor,
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  Principal,
  Scopes,
} from '@app/common';
import { ExecutorListDto } from './dto/executor.response';
import { ExecutorStore } from './executor.store';

@ApiTags('executors')
@ApiBearerAuth()
@ApiHeader({ name: 'X-User-Id', required: false, description: 'Trusted gateway header' })
@Auth('user', 'key')
@Controller('v1/executors')
export class ExecutorController {
  constructor(private readonly store: ExecutorStore) {}

  @Get()
  @Scopes('read')
  @ApiOperation({ summary: 'Own executors connected over /ws, on every api process' })
  @ApiEnvelope(ExecutorListDto)
  @ApiErrors(401, 403)
  async list(@CurrentPrincipal() principal: Principal): Promise<ExecutorListDto> {
    return ExecutorListDto.from(await this.store.connectionsOf(principal.userId));
  }
}

@ApiTags('admin')
@ApiBearerAuth()
@Auth('admin')
@UseInterceptors(AdminAuditInterceptor)
@Controller('admin/executors')
export class ExecutorAdminController {
  constructor(private readonly store: ExecutorStore) {}

  @Get()
  @ApiOperation({ summary: "Every user's executors connected over /ws" })
  @ApiEnvelope(ExecutorListDto)
  @ApiErrors(401, 404)
  async list(): Promise<ExecutorListDto> {
    return ExecutorListDto.from(await this.store.allConnections());
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseIntPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  mapPage,
  PageQueryDto,
  Principal,
} from '@app/common';
import { ApiKeyService } from './api-key.service';
import { CreateApiKeyDto } from './dto/create-api-key.dto';
import { ApiKeyPageDto, CreatedApiKeyDto, MaskedApiKeyDto } from './dto/api-key.response';

@ApiTags('api-keys')
@ApiHeader({ name: 'X-User-Id', required: true, description: 'Trusted gateway header' })
@Auth('user')
@Controller('v1/api-keys')
export class ApiKeyController {
  constructor(private readonly keys: ApiKeyService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key; the full key is shown only in this answer' })
  @ApiEnvelope(CreatedApiKeyDto, { status: 201 })
  @ApiErrors(400, 401)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyDto> {
    const { entity, key } = await this.keys.create(principal.userId, dto);
    return CreatedApiKeyDto.from(entity, key);
  }

  @Get()
  @ApiOperation({ summary: 'List own keys, masked' })
  @ApiEnvelope(ApiKeyPageDto)
  @ApiErrors(400, 401)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: PageQueryDto,
  ): Promise<ApiKeyPageDto> {
    return mapPage(await this.keys.list(principal.userId, query), MaskedApiKeyDto.from);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key (stops working everywhere within a second)' })
  @ApiEnvelope(null)
  @ApiErrors(400, 401, 404)
  async revoke(
    @CurrentPrincipal() principal: Principal,
    @Param('id', ParseIntPipe) id: number,
  ): Promise<null> {
    await this.keys.revoke(principal.userId, id);
    return null;
  }
}

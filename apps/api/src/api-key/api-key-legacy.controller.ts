import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  LegacyRoute,
  mapPage,
  LenientPageQueryDto,
  Principal,
} from '@app/common';
import { ApiKeyService } from './api-key.service';
import { LegacyCreateApiKeyDto } from './dto/create-api-key.dto';
import { LegacyRemoveApiKeyDto } from './dto/remove-api-key.dto';
import { ApiKeyPageDto, LegacyCreatedApiKeyDto, MaskedApiKeyDto } from './dto/api-key.response';

/** docs/legacy.md key routes, now checking their caller. */
@ApiTags('legacy')
@Auth('user')
@LegacyRoute()
@Controller('api-keys')
export class ApiKeyLegacyController {
  constructor(private readonly keys: ApiKeyService) {}

  @Get('get')
  @ApiOperation({ summary: 'List own keys, masked' })
  @ApiEnvelope(ApiKeyPageDto)
  @ApiErrors(400, 401)
  async list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: LenientPageQueryDto,
  ): Promise<ApiKeyPageDto> {
    return mapPage(await this.keys.list(principal.userId, query), MaskedApiKeyDto.from);
  }

  @Post('create')
  @ApiOperation({ summary: 'Create a key with every scope; answers only the key' })
  @ApiEnvelope(LegacyCreatedApiKeyDto, { status: 201 })
  @ApiErrors(400, 401)
  async create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: LegacyCreateApiKeyDto,
  ): Promise<LegacyCreatedApiKeyDto> {
    const { key } = await this.keys.create(principal.userId, { name: dto.name });
    return { api_key: key };
  }

  @Post('remove')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a key by id' })
  @ApiEnvelope(null)
  @ApiErrors(400, 401)
  async remove(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: LegacyRemoveApiKeyDto,
  ): Promise<null> {
    await this.keys.revoke(principal.userId, dto.id);
    return null;
  }
}

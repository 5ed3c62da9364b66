import { Controller, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  ApiEnvelope,
  ApiErrors,
  Auth,
  CurrentPrincipal,
  Principal,
  Scopes,
  STREAM_TOKEN_TTL_MS,
  StreamTokens,
} from '@app/common';
import { StreamTokenDto } from './dto/stream-token.response';
import { ExecutionService } from './execution.service';

@ApiTags('executions')
@ApiBearerAuth()
@Controller('v1/executions')
export class ExecutionStreamTokenController {
  constructor(
    private readonly executions: ExecutionService,
    private readonly tokens: StreamTokens,
  ) {}

  @Post(':id/stream-token')
  @HttpCode(201)
  @Auth('user', 'key')
  @Scopes('read')
  @ApiOperation({
    summary: 'A token a browser EventSource can open this execution’s event stream with',
    description:
      'EventSource cannot send an Authorization header. The token works as ?stream_token= on ' +
      'GET /v1/executions/{id}/events of this execution only, for 60 s or until the API key ' +
      'that asked for it is revoked; it is no key and opens nothing else. A page asks its own ' +
      'back end for one and never holds the API key.',
  })
  @ApiEnvelope(StreamTokenDto, { status: 201 })
  @ApiErrors(401, 403, 404)
  async issue(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Req() req: Request,
  ): Promise<StreamTokenDto> {
    await this.executions.get(principal.userId, id);
    const { token, expiresAt } = this.tokens.issue(principal, id);
    // Relative to wherever this route is mounted, so the link stays right behind any prefix.
    const events = req.originalUrl.split('?')[0].replace(/\/stream-token$/, '/events');
    return {
      stream_token: token,
      expires_at: expiresAt.toISOString(),
      expires_in: STREAM_TOKEN_TTL_MS / 1000,
      events_url: `${events}?stream_token=${encodeURIComponent(token)}`,
    };
  }
}

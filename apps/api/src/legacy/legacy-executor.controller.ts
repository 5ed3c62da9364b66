import { Controller, Get, Headers, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import {
  ApiEnvelope,
  ApiErrors,
  AppException,
  Auth,
  CurrentPrincipal,
  EnvelopeAnswer,
  LegacyRoute,
  Principal,
  Scopes,
} from '@app/common';
import { ExecutorCommands } from '../executor';

class LocalCheckDto {
  @ApiProperty() equality!: boolean;
}

/**
 * The legacy routes about the caller's executors, as the platform's agent and engine call
 * them: answers are 200 with code `0000`, or `5001` with data when the answer is "no".
 */
@ApiTags('legacy')
@ApiBearerAuth()
@Auth('key')
@LegacyRoute()
@Controller()
export class LegacyExecutorController {
  constructor(private readonly executors: ExecutorCommands) {}

  @Post('workflows/stop-current')
  @HttpCode(202)
  @Scopes('execute')
  @ApiOperation({ summary: "Ask the caller's executors to stop their current run" })
  @ApiEnvelope(null, { status: 202, description: 'data is {}' })
  @ApiErrors(401, 403)
  async stopCurrent(@CurrentPrincipal() principal: Principal): Promise<EnvelopeAnswer> {
    const asked = await this.executors.stopCurrent(principal.userId);
    return new EnvelopeAnswer(
      '0000',
      asked ? `Asked ${asked} executor(s) to stop` : 'No executor is connected: nothing to stop',
      {},
    );
  }

  @Get('health/remote-check')
  @Scopes('read')
  @ApiOperation({ summary: "data true when one of the caller's executors is connected" })
  @ApiEnvelope(null, { description: 'data is true (code 0000) or false (code 5001)' })
  @ApiErrors(401)
  async remoteCheck(@CurrentPrincipal() principal: Principal): Promise<EnvelopeAnswer<boolean>> {
    return (await this.executors.isOnline(principal.userId))
      ? new EnvelopeAnswer('0000', 'An executor of this user is connected', true)
      : new EnvelopeAnswer('5001', 'No executor of this user is connected', false);
  }

  @Get('health/local-check')
  @Scopes('read')
  @ApiHeader({ name: 'user_id', required: true, description: 'The user the local client runs as' })
  @ApiOperation({ summary: '{equality}: whether the API key belongs to the user_id header' })
  @ApiEnvelope(LocalCheckDto)
  @ApiErrors(401)
  localCheck(
    @CurrentPrincipal() principal: Principal,
    @Headers('user_id') userIdHeader: string | undefined,
    @Headers('x-user-id') xUserId: string | undefined,
  ): EnvelopeAnswer<LocalCheckDto> {
    const claimed = (userIdHeader ?? xUserId)?.trim();
    if (!claimed) {
      throw new AppException('UNAUTHENTICATED', 'The user_id header names the user to compare');
    }
    const equality = claimed === principal.userId;
    return equality
      ? new EnvelopeAnswer('0000', 'The API key belongs to this user', { equality })
      : new EnvelopeAnswer('5001', 'The API key belongs to another user', { equality });
  }
}

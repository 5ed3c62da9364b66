import { Body, Controller, Headers, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { ApiEnvelope, ApiErrors, Public } from '@app/common';
import { RobotCallbackAckDto } from './dto/robot-callback.response';
import { RobotCallbacks } from './robot.callbacks';

/** Where a robot service pushes the end of a task (ROBOT_MODE=http with PUBLIC_BASE_URL). */
@ApiTags('robot')
@Public()
@Controller('v1/robot/callbacks')
export class RobotCallbackController {
  constructor(private readonly callbacks: RobotCallbacks) {}

  @Post(':execution_id')
  @HttpCode(200)
  @ApiOperation({
    summary: 'A robot service reports that a task changed (its callback_url)',
    description:
      'Called by the robot service, not by clients: the URL, token included, is the ' +
      'callback_url sent with the task. Taken as "look now": the robot is queried at once and ' +
      'the run ends from its answer. The event must be about this run’s task ' +
      '(data.execution.id); with ROBOT_CALLBACK_SIGNING_SECRET set it must carry a valid ' +
      'X-RPA-Signature. Repeats answer 200 and change nothing.',
  })
  @ApiQuery({ name: 'token', description: 'The token of this run’s callback_url' })
  @ApiEnvelope(RobotCallbackAckDto)
  @ApiErrors(400, 401, 403, 404)
  receive(
    @Param('execution_id') executionId: string,
    @Query('token') token: string | undefined,
    @Headers('x-rpa-signature') signature: string | undefined,
    @Req() req: RawBodyRequest<Request>,
    @Body() body: unknown,
  ): Promise<RobotCallbackAckDto> {
    return this.callbacks.receive({
      executionId,
      token: typeof token === 'string' ? token : undefined,
      signature,
      rawBody: req.rawBody,
      body,
    });
  }
}

import { Body, Controller, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import {
  ApiErrors,
  Auth,
  CurrentPrincipal,
  Principal,
  RawResponse,
  RequestId,
  Scopes,
} from '@app/common';
import { StartBudget, StartBudgetOf } from '../limits';
import { RpaExecDto } from './dto/rpa-exec.dto';
import { RpaExecService } from './rpa-exec.service';

@ApiTags('workflow engines')
@ApiBearerAuth()
@Controller('rpa/v1')
export class RpaExecController {
  constructor(private readonly rpa: RpaExecService) {}

  @Post('exec')
  @HttpCode(200)
  @Auth('key')
  @Scopes('execute')
  @RawResponse()
  @ApiProduces('text/event-stream')
  @ApiOperation({
    summary: 'Run a workflow and stream: keep-alive comments, then one final data line',
    description:
      'Final event: {"code":0,"message":"Success","sid":…,"data":{…result.data…}}; ' +
      '55001 task could not be created, 55002 task failed, 55003 timeout.',
  })
  @ApiErrors(400, 401, 403, 429, 503)
  async exec(
    @CurrentPrincipal() principal: Principal,
    @StartBudgetOf() budget: StartBudget,
    @Body() dto: RpaExecDto,
    @RequestId() requestId: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    await this.rpa.run(principal, budget, dto, requestId, res);
  }
}

import {
  Body,
  Controller,
  Get,
  Headers,
  HttpCode,
  Param,
  Post,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Response } from 'express';
import { RobotSimulator, SimAnswer, SimCreateInput } from '@app/robot-sim';
import { SimAuthGuard } from './sim-auth.guard';
import { SimCallbacks } from './sim-callbacks';

function reply<T>(res: Response, answer: SimAnswer<T>): void {
  if ('data' in answer) {
    res.status(200).json({ code: '0000', msg: '', data: answer.data });
  } else {
    res.status(answer.status).json({ code: '5001', msg: answer.message, data: null });
  }
}

/** The robot task API of docs/robot-service.md, plus /sim routes to count and steer tasks. */
@UseGuards(SimAuthGuard)
@Controller()
export class SimController {
  constructor(
    private readonly sim: RobotSimulator,
    private readonly callbacks: SimCallbacks,
  ) {}

  @Post('workflows/execute-async')
  create(
    @Body() body: SimCreateInput,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res() res: Response,
  ): void {
    const answer = this.sim.create(body ?? ({} as SimCreateInput), idempotencyKey);
    if ('data' in answer && typeof body?.callback_url === 'string') {
      this.callbacks.schedule(answer.data.executionId, body.callback_url);
    }
    reply(res, answer);
  }

  @Get('executions/:id')
  query(@Param('id') id: string, @Res() res: Response): void {
    reply(res, this.sim.query(id));
  }

  @Post('executions/:id/cancel')
  cancel(@Param('id') id: string, @Res() res: Response): void {
    reply(res, this.sim.cancel(id));
  }

  @Get('sim/tasks')
  tasks() {
    return { code: '0000', msg: '', data: { tasks: this.sim.list() } };
  }

  @Get('sim/callbacks')
  delivered() {
    const delivered = [...this.callbacks.deliveredAt].map(([task_id, at]) => ({
      task_id,
      sent_at: new Date(at.sentAt).toISOString(),
      answered_at: new Date(at.answeredAt).toISOString(),
    }));
    return { code: '0000', msg: '', data: { delivered } };
  }

  @Get('sim/behaviour')
  getBehaviour() {
    return { code: '0000', msg: '', data: this.sim.behaviour };
  }

  @Post('sim/behaviour')
  @HttpCode(200)
  setBehaviour(@Body() body: unknown) {
    return { code: '0000', msg: '', data: this.sim.setBehaviour(body) };
  }

  @Post('sim/reset')
  @HttpCode(200)
  reset() {
    this.sim.reset();
    return { code: '0000', msg: '', data: this.sim.behaviour };
  }

  @Get('health')
  health() {
    return { code: '0000', msg: '', data: { status: 'ok' } };
  }
}

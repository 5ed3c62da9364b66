import { Module } from '@nestjs/common';
import { ExecutionLegacyController } from './execution-legacy.controller';
import { ExecutionController } from './execution.controller';
import { ExecutionStreamTokenController } from './execution-stream-token.controller';
import { ExecutionStreamService } from './execution-stream.service';
import { ExecutionModule } from './execution.module';
import { RobotCallbackController } from './robot-callback.controller';
import { RobotCallbacks } from './robot.callbacks';
import { RpaExecController } from './rpa-exec.controller';
import { RpaExecService } from './rpa-exec.service';
import { WorkflowExecutionController } from './workflow-execution.controller';

/** The execution routes (legacy ones too), their streams and the robot's callbacks: api role. */
@Module({
  imports: [ExecutionModule],
  controllers: [
    ExecutionLegacyController,
    ExecutionController,
    ExecutionStreamTokenController,
    WorkflowExecutionController,
    RpaExecController,
    RobotCallbackController,
  ],
  providers: [ExecutionStreamService, RpaExecService, RobotCallbacks],
})
export class ExecutionHttpModule {}

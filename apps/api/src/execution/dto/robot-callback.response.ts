import { ApiProperty } from '@nestjs/swagger';
import { ExecutionStatus } from '../entities/execution.entity';

export class RobotCallbackAckDto {
  @ApiProperty({ example: '7d4b9a52-8f0e-4c0e-9f65-0d0a3c8d2f11' }) execution_id!: string;

  @ApiProperty({
    enum: ExecutionStatus,
    description: 'The execution as it stands when the callback was taken (it may end just after)',
  })
  status!: ExecutionStatus;

  @ApiProperty({
    description:
      'true: the robot is queried now and the run ends from its answer; false: the run had ' +
      'already ended and nothing changed (a repeated callback)',
  })
  looking!: boolean;
}

import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, AppException, Public } from '@app/common';
import { HealthService } from './health.service';

class LivenessDto {
  @ApiProperty({ example: 'ok' }) status!: string;
}

class ReadinessDto {
  @ApiProperty() ready!: boolean;
  @ApiProperty({ description: 'mysql, redis and (reported only) robot' })
  checks!: Record<string, unknown>;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthService) {}

  @Get()
  @ApiOperation({ summary: 'Liveness: the process answers' })
  @ApiEnvelope(LivenessDto)
  live(): LivenessDto {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({ summary: 'Readiness: MySQL and Redis answer (503 names the one down)' })
  @ApiEnvelope(ReadinessDto)
  async ready(): Promise<ReadinessDto> {
    const result = await this.health.readiness();
    if (!result.ready) {
      const down = Object.entries(result.checks)
        .filter(([name, check]) => name !== 'robot' && check.status === 'down')
        .map(([name, check]) => `${name} (${check.error ?? 'down'})`);
      throw new AppException('SERVICE_UNAVAILABLE', `Not ready: ${down.join(', ')} unreachable`);
    }
    return result;
  }
}

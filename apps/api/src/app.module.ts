import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { BullModule } from '@nestjs/bullmq';
import type { RedisOptions as BullRedisOptions } from 'bullmq';
import {
  AllExceptionsFilter,
  AppConfig,
  AuthGuard,
  ConfigModule,
  ConfigValues,
  EnvelopeInterceptor,
  LoggingModule,
  RedisModule,
  RedisService,
} from '@app/common';
import { AdminModule } from './admin/admin.module';
import { ApiKeyModule } from './api-key/api-key.module';
import { DatabaseModule } from './database/database.module';
import { ExecutionModule } from './execution/execution.module';
import { RobotModule } from './execution/robot/robot.module';
import { GatewayModule } from './gateway/gateway.module';
import { HealthModule } from './health/health.module';
import { LifecycleModule } from './lifecycle/lifecycle.module';
import { LimitsModule } from './limits/limits.module';
import { McpModule } from './mcp/mcp.module';
import { MetricsModule } from './metrics/metrics.module';
import { ScheduleModule } from './schedule/schedule.module';
import { WebhookModule } from './webhook/webhook.module';
import { LegacyHttpModule } from './legacy/legacy.module';
import { WorkflowHttpModule, WorkflowModule } from './workflow/workflow.module';

/**
 * One image, three roles (DESIGN §2): `api` serves HTTP/WS/MCP, `worker` runs processors,
 * `all` does both. A worker still answers /health so an orchestrator can probe it.
 */
@Module({})
export class AppModule {
  static forRoot(values: ConfigValues): DynamicModule {
    const config = new AppConfig(values);
    const roles = { http: config.servesApi, worker: config.runsWorker };
    // One instance, shared with the modules built on top of executions (webhooks, schedules).
    const execution = ExecutionModule.register({ config, ...roles });
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(values),
        LoggingModule,
        EventEmitterModule.forRoot({ wildcard: false, maxListeners: 100 }),
        RedisModule,
        DatabaseModule,
        BullModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (cfg: AppConfig) => ({
            // ioredis and BullMQ describe the same options with slightly different types.
            connection: RedisService.optionsFrom(cfg.redisUrl) as BullRedisOptions,
            prefix: `${cfg.redisPrefix}:bull`,
          }),
        }),
        ApiKeyModule.register({ http: config.servesApi }),
        WorkflowModule,
        ...(config.servesApi ? [WorkflowHttpModule, LegacyHttpModule] : []),
        LifecycleModule,
        MetricsModule,
        LimitsModule,
        execution,
        ...(config.servesApi ? [McpModule.register(execution)] : []),
        ...(config.servesApi ? [GatewayModule.register(execution)] : []),
        AdminModule.register({ http: config.servesApi, execution }),
        WebhookModule.register({ config, ...roles, execution }),
        ScheduleModule.register({ config, ...roles, execution }),
        HealthModule.register(RobotModule),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}

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
  TracingModule,
} from '@app/common';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { AdminModule } from './admin';
import { ApiKeyModule } from './api-key';
import { DatabaseModule } from './database';
import { DocsModule } from './docs';
import { ExecutionModule } from './execution/execution.module';
import { ExecutorModule } from './executor/executor.module';
import { RobotModule } from './execution/robot/robot.module';
import { GatewayModule } from './gateway';
import { HealthModule } from './health';
import { LifecycleModule } from './lifecycle';
import { LimitsModule } from './limits';
import { McpModule } from './mcp';
import { MetricsModule } from './metrics';
import { ScheduleModule } from './schedule';
import { WebhookModule } from './webhook';
import { LegacyHttpModule } from './legacy';
import { WorkflowHttpModule, WorkflowModule } from './workflow';

/**
 * One image, three roles (docs/operating.md): `api` serves HTTP/WS/MCP, `worker` runs processors,
 * `all` does both. A worker still answers /health so an orchestrator can probe it.
 */
@Module({})
export class AppModule {
  /** `traceExporter`: where spans go whatever OTEL_* says (tests read them from memory). */
  static forRoot(values: ConfigValues, traceExporter?: SpanExporter): DynamicModule {
    const config = new AppConfig(values);
    const roles = { http: config.servesApi, worker: config.runsWorker };
    // One instance, shared with the modules built on top of executions (webhooks, schedules).
    const execution = ExecutionModule.register({ config, ...roles });
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(values),
        TracingModule.forRoot(traceExporter),
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
        ...(config.servesApi ? [WorkflowHttpModule, LegacyHttpModule, DocsModule] : []),
        LifecycleModule,
        MetricsModule,
        LimitsModule,
        execution,
        ...(config.servesApi ? [McpModule.register(execution)] : []),
        ...(config.servesApi ? [GatewayModule.register(execution), ExecutorModule] : []),
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

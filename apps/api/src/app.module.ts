import { DynamicModule, Module, Type } from '@nestjs/common';
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
import { AdminHttpModule } from './admin';
import { ApiKeyHttpModule, ApiKeyModule } from './api-key';
import { DatabaseModule } from './database';
import { DocsModule } from './docs';
import { ExecutionHttpModule, ExecutionModule, ExecutionWorkerModule } from './execution';
import { ExecutorModule, ExecutorRobotModule } from './executor';
import { GatewayHttpModule } from './gateway';
import { HealthModule } from './health';
import { LifecycleModule } from './lifecycle';
import { LimitsModule } from './limits';
import { McpHttpModule } from './mcp';
import { MetricsModule } from './metrics';
import { ScheduleHttpModule, ScheduleModule, ScheduleWorkerModule } from './schedule';
import { WebhookHttpModule, WebhookModule, WebhookWorkerModule } from './webhook';
import { LegacyHttpModule } from './legacy';
import { WorkflowHttpModule, WorkflowModule } from './workflow';

type ModuleImport = Type | DynamicModule;

/**
 * One image, three roles (docs/operating.md): `api` serves HTTP/WS/MCP, `worker` runs processors,
 * `all` does both. A worker still answers /health so an orchestrator can probe it.
 */
@Module({})
export class AppModule {
  /** `traceExporter`: where spans go whatever OTEL_* says (tests read them from memory). */
  static forRoot(values: ConfigValues, traceExporter?: SpanExporter): DynamicModule {
    const config = new AppConfig(values);
    // Each feature's core module is in every role and its routes and processors by role. Core
    // modules are static: whoever imports one shares its one instance, nothing is handed over.
    const http = (...modules: ModuleImport[]) => (config.servesApi ? modules : []);
    const worker = (...modules: ModuleImport[]) => (config.runsWorker ? modules : []);
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
        ApiKeyModule,
        ...http(ApiKeyHttpModule),
        WorkflowModule,
        ...http(WorkflowHttpModule, LegacyHttpModule, DocsModule),
        LifecycleModule,
        MetricsModule,
        LimitsModule,
        // Before the modules that need a robot: RobotModule takes the executor client from it.
        ExecutorRobotModule,
        ExecutionModule,
        ...http(ExecutionHttpModule, McpHttpModule, GatewayHttpModule, ExecutorModule),
        ...worker(ExecutionWorkerModule.register(config)),
        ...http(AdminHttpModule.forRoot()),
        WebhookModule,
        ...http(WebhookHttpModule),
        ...worker(WebhookWorkerModule.register(config)),
        ScheduleModule,
        ...http(ScheduleHttpModule),
        ...worker(ScheduleWorkerModule.register(config)),
        HealthModule,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}

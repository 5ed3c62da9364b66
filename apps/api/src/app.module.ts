import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { EventEmitterModule } from '@nestjs/event-emitter';
import {
  AllExceptionsFilter,
  AuthGuard,
  ConfigModule,
  ConfigValues,
  EnvelopeInterceptor,
  LoggingModule,
  RedisModule,
} from '@app/common';
import { ApiKeyModule } from './api-key/api-key.module';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { WorkflowModule } from './workflow/workflow.module';

/**
 * One image, three roles (DESIGN §2): `api` serves HTTP/WS/MCP, `worker` runs processors,
 * `all` does both. A worker still answers /health so an orchestrator can probe it.
 */
@Module({})
export class AppModule {
  static forRoot(config: ConfigValues): DynamicModule {
    const servesApi = config.APP_ROLE !== 'worker';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggingModule,
        EventEmitterModule.forRoot({ wildcard: false, maxListeners: 100 }),
        RedisModule,
        DatabaseModule,
        ApiKeyModule.register({ http: servesApi }),
        WorkflowModule.register({ http: servesApi }),
        HealthModule.register(),
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_INTERCEPTOR, useClass: EnvelopeInterceptor },
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
    };
  }
}

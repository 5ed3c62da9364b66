import { DynamicModule, Module } from '@nestjs/common';
import { WorkflowModule } from '../workflow';
import { DashboardController } from './dashboard.controller';
import { ExecutionEventsEmitter } from './execution-events.emitter';
import { ExecutionsGateway } from './executions.gateway';
import { SocketAuthenticator } from './socket-authenticator';

/**
 * Live events (docs/live-events.md) and the dashboard page; only in processes that serve the API.
 * Takes the application's ExecutionModule instance so that the gateway shares its services
 * (a second instance would subscribe to the event stream twice).
 */
@Module({})
export class GatewayModule {
  static register(executions: DynamicModule): DynamicModule {
    return {
      module: GatewayModule,
      imports: [executions, WorkflowModule],
      controllers: [DashboardController],
      providers: [ExecutionEventsEmitter, SocketAuthenticator, ExecutionsGateway],
      exports: [ExecutionEventsEmitter],
    };
  }
}

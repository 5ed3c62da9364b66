import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution';
import { WorkflowModule } from '../workflow';
import { DashboardController } from './dashboard.controller';
import { ExecutionEventsEmitter } from './execution-events.emitter';
import { ExecutionsGateway } from './executions.gateway';
import { SocketAuthenticator } from './socket-authenticator';

/**
 * Live events (docs/live-events.md) and the dashboard page; only in processes that serve the
 * API. It listens to the application's one event bus (ExecutionModule).
 */
@Module({
  imports: [ExecutionModule, WorkflowModule],
  controllers: [DashboardController],
  providers: [ExecutionEventsEmitter, SocketAuthenticator, ExecutionsGateway],
})
export class GatewayHttpModule {}

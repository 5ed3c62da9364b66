import { DynamicModule, Module } from '@nestjs/common';
import { ExecutorModule } from '../executor/executor.module';
import { WorkflowModule } from '../workflow';
import { McpController } from './mcp.controller';
import { McpService } from './mcp.service';
import { McpToolsService } from './mcp-tools.service';
import { ExecutorPresenceReader } from './control/executor-presence';
import { McpControlService } from './control/mcp-control.service';

/**
 * MCP for LLM agents (docs/mcp.md). Only processes that serve the API include it. It is given
 * the application's own ExecutionModule, so runs share its service, queue and event bus
 * (importing the bare class would build a second instance of them).
 */
@Module({})
export class McpModule {
  static register(execution: DynamicModule): DynamicModule {
    return {
      module: McpModule,
      imports: [WorkflowModule, ExecutorModule, execution],
      controllers: [McpController],
      providers: [McpService, McpToolsService, McpControlService, ExecutorPresenceReader],
    };
  }
}

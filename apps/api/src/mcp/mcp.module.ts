import { Module } from '@nestjs/common';
import { ExecutionModule } from '../execution';
import { ExecutorModule } from '../executor';
import { WorkflowModule } from '../workflow';
import { McpController } from './mcp.controller';
import { McpService } from './mcp.service';
import { McpToolsService } from './mcp-tools.service';
import { ExecutorPresenceReader } from './control/executor-presence';
import { McpControlService } from './control/mcp-control.service';

/**
 * MCP for LLM agents (docs/mcp.md). Only processes that serve the API include it. Runs go
 * through the application's one ExecutionModule (service, queue and event bus).
 */
@Module({
  imports: [WorkflowModule, ExecutorModule, ExecutionModule],
  controllers: [McpController],
  providers: [McpService, McpToolsService, McpControlService, ExecutorPresenceReader],
})
export class McpHttpModule {}

import { Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, RawResponse, RequestId } from '@app/common';
import { sendJsonRpcError } from './mcp-results';
import { McpService } from './mcp.service';

/**
 * `/mcp` (docs/mcp.md). Public for the global guard: McpService checks the key itself (Bearer,
 * X-API-Key or ?key=) and answers a missing or bad one with 401 and a JSON-RPC error body,
 * as MCP clients expect, never the envelope.
 */
@ApiTags('mcp')
@ApiBearerAuth()
@Public()
@RawResponse()
@Controller('mcp')
export class McpController {
  constructor(private readonly mcp: McpService) {}

  @Post()
  @ApiOperation({
    summary: 'MCP Streamable HTTP endpoint (stateless) for LLM agents',
    description:
      'JSON-RPC 2.0 messages of the Model Context Protocol (batches of at most MCP_MAX_BATCH); ' +
      'answers text/event-stream. Tools: the control tools (astron_workflow_list, ' +
      'astron_workflow_get, astron_workflow_execute, astron_execution_get, ' +
      'astron_execution_cancel, astron_integration_get), one per active workflow of the key ' +
      'owner, and get_execution; tools/list is paginated. The API key comes from ' +
      'Authorization: Bearer, X-API-Key or ?key= (unless MCP_ALLOW_QUERY_KEY=false); a ' +
      'missing or bad key answers 401 with WWW-Authenticate: Bearer. See docs/mcp.md.',
  })
  @ApiHeader({ name: 'X-API-Key', required: false, description: 'API key (instead of Bearer)' })
  @ApiQuery({ name: 'key', required: false, description: 'API key, when no header can be set' })
  @ApiBody({ schema: { type: 'object', description: 'A JSON-RPC request or notification' } })
  @ApiProduces('text/event-stream', 'application/json')
  @ApiResponse({ status: 200, description: 'JSON-RPC answers as an event stream' })
  @ApiResponse({ status: 400, description: 'Not JSON-RPC, or a batch over MCP_MAX_BATCH' })
  @ApiResponse({ status: 401, description: 'Missing or bad API key (WWW-Authenticate: Bearer)' })
  async post(
    @Req() req: Request,
    @Res() res: Response,
    @RequestId() requestId: string | undefined,
  ): Promise<void> {
    await this.mcp.handle(req, res, requestId);
  }

  @Get()
  @ApiOperation({ summary: 'Not offered: the server is stateless (no standalone SSE stream)' })
  @ApiResponse({ status: 405 })
  get(@Res() res: Response): void {
    methodNotAllowed(res);
  }

  @Delete()
  @ApiOperation({ summary: 'Not offered: the server is stateless (no session to end)' })
  @ApiResponse({ status: 405 })
  delete(@Res() res: Response): void {
    methodNotAllowed(res);
  }
}

function methodNotAllowed(res: Response): void {
  res.set('Allow', 'POST');
  sendJsonRpcError(res, 405, {
    code: -32000,
    message: 'Method not allowed: this MCP server is stateless; send JSON-RPC messages by POST',
  });
}

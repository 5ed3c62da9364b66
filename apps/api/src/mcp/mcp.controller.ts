import { Controller, Delete, Get, Post, Req, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { Public, RawResponse, RequestId } from '@app/common';
import { McpService } from './mcp.service';

/**
 * `/mcp` (docs/mcp.md). Public for the global guard: the key is checked inside the MCP
 * exchange, so a bad one still gets a protocol answer (no workflow tools, calls refused
 * with a clear error) instead of an HTTP error an MCP client cannot show. Answers are
 * JSON-RPC, never the envelope.
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
      'JSON-RPC 2.0 messages of the Model Context Protocol; answers text/event-stream. ' +
      'Tools: one per active workflow of the key owner, plus get_execution. ' +
      'The API key comes from Authorization: Bearer or ?key=. See docs/mcp.md.',
  })
  @ApiQuery({ name: 'key', required: false, description: 'API key, when no header can be set' })
  @ApiBody({ schema: { type: 'object', description: 'A JSON-RPC request or notification' } })
  @ApiProduces('text/event-stream', 'application/json')
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
  res
    .status(405)
    .set('Allow', 'POST')
    .json({
      jsonrpc: '2.0',
      error: {
        code: -32000,
        message: 'Method not allowed: this MCP server is stateless; send JSON-RPC messages by POST',
      },
      id: null,
    });
}

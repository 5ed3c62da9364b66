import { Injectable, Logger } from '@nestjs/common';
// The low-level Server: tools here come from workflows with JSON Schemas, which the
// high-level McpServer (Zod schemas, one registration per tool) cannot express.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import {
  CallToolRequestSchema,
  ListToolsRequestSchema,
  McpError,
} from '@modelcontextprotocol/sdk/types.js';
import type { Request, Response } from 'express';
import { AppConfig, AppException, Authenticator } from '@app/common';
import { ControlToolName } from './control/control-tools';
import { mcpApiKey } from './mcp-credentials';
import {
  GET_EXECUTION_TOOL_NAME,
  McpErrorCodes,
  McpRequestError,
  RUN_OPTIONS_META_KEY,
  internalError,
  sendJsonRpcError,
} from './mcp-results';
import { McpCaller, McpToolsService } from './mcp-tools.service';

export const MCP_SERVER_INFO = {
  name: 'rpa-openapi-service',
  title: 'RPA workflows',
  version: '1.0.0',
};

/**
 * Streamable HTTP, stateless (docs/mcp.md): every POST gets a fresh server and transport that
 * live as long as that request. Responses stream as SSE, so a tool call can send progress
 * notifications before its result. The caller is identified once per request from its key.
 */
@Injectable()
export class McpService {
  private readonly logger = new Logger(McpService.name);
  /**
   * The SDK gives each Server its own Ajv instance (a few ms to build) unless one is passed;
   * it only serves elicitation, which these servers never use, so one is shared.
   */
  private readonly schemaValidator = new AjvJsonSchemaValidator();

  constructor(
    private readonly authenticator: Authenticator,
    private readonly tools: McpToolsService,
    private readonly config: AppConfig,
  ) {}

  async handle(req: Request, res: Response, requestId?: string): Promise<void> {
    if (this.refuseLargeBatch(req, res)) return;
    const caller = await this.identify(req, res, requestId);
    if (!caller) return;
    const server = this.createServer(caller);
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: false,
      keepAliveMs: this.config.ssePingMs,
    });
    res.on('close', () => {
      // Aborts a tool call still waiting (its execution goes on) and frees both.
      transport.close().catch(() => undefined);
      server.close().catch(() => undefined);
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (err) {
      this.logger.error({ err }, 'MCP request failed');
      if (!res.headersSent) {
        sendJsonRpcError(res, 500, { code: -32603, message: 'Internal server error' });
      }
    }
  }

  /**
   * JSON-RPC batches are bounded (MCP_MAX_BATCH): with tools/list pages bounded too, one small
   * request can no longer ask for an answer of any size. SDK clients never send batches.
   */
  private refuseLargeBatch(req: Request, res: Response): boolean {
    const max = this.config.mcp.maxBatch;
    if (!Array.isArray(req.body) || req.body.length <= max) return false;
    sendJsonRpcError(res, 400, {
      code: -32600,
      message: `Invalid Request: a batch may hold at most ${max} messages`,
    });
    return true;
  }

  /**
   * Every MCP request needs a valid key: otherwise HTTP 401 with `WWW-Authenticate: Bearer`
   * (what MCP clients take as "credentials needed"), the reason in a JSON-RPC error body.
   */
  private async identify(
    req: Request,
    res: Response,
    requestId?: string,
  ): Promise<McpCaller | undefined> {
    const found = mcpApiKey(req, this.config.mcp.allowQueryKey);
    if ('problem' in found) {
      unauthorized(res, found.problem, false);
      return undefined;
    }
    try {
      const principal = await this.authenticator.authenticate({ bearer: found.key }, ['key']);
      return { principal, requestId };
    } catch (err) {
      if (err instanceof AppException && err.code === 'UNAUTHENTICATED') {
        unauthorized(res, err.message, true);
        return undefined;
      }
      throw err;
    }
  }

  private createServer(caller: McpCaller): Server {
    const server = new Server(MCP_SERVER_INFO, {
      capabilities: { tools: {} },
      jsonSchemaValidator: this.schemaValidator,
      instructions:
        'Each workflow tool runs one of your RPA workflows (robots) and returns its result. A ' +
        `run that takes longer than ${Math.round(this.config.mcpToolTimeoutMs / 1000)} s returns ` +
        `its execution_id and status instead; call ${GET_EXECUTION_TOOL_NAME} to follow it. ` +
        `For runs you start and follow yourself, use ${ControlToolName.WorkflowList}, ` +
        `${ControlToolName.WorkflowExecute} (returns at once; pass an idempotencyKey to retry ` +
        `safely), ${ControlToolName.ExecutionGet} and ${ControlToolName.ExecutionCancel}.`,
    });
    server.setRequestHandler(ListToolsRequestSchema, (request) =>
      this.guard(() => this.tools.listTools(caller, request.params?.cursor)),
    );
    server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
      const meta = request.params._meta;
      const token = meta?.progressToken;
      return this.guard(() =>
        this.tools.callTool(caller, request.params.name, request.params.arguments, {
          signal: extra.signal,
          runOptions: meta?.[RUN_OPTIONS_META_KEY],
          progress:
            token === undefined
              ? undefined
              : (progress, message) =>
                  extra.sendNotification({
                    method: 'notifications/progress',
                    params: { progressToken: token, progress, total: 100, message },
                  }),
        }),
      );
    });
    return server;
  }

  /** MCP errors pass as they are; anything else is logged and answered without details. */
  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (err instanceof McpRequestError || err instanceof McpError) throw err;
      this.logger.error({ err }, 'MCP handler failed');
      throw internalError();
    }
  }
}

function unauthorized(res: Response, message: string, badKey: boolean): void {
  res.set('WWW-Authenticate', badKey ? 'Bearer error="invalid_token"' : 'Bearer');
  sendJsonRpcError(res, 401, {
    code: McpErrorCodes.Unauthenticated,
    message,
    data: { error: 'UNAUTHENTICATED' },
  });
}

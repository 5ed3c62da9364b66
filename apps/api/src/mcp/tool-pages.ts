import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import { McpRequestError } from './mcp-results';

export interface ToolPageLimits {
  /** At most this many tools per page. */
  maxTools: number;
  /** At most about this many bytes of JSON per page; a larger tool still gets a page alone. */
  maxBytes: number;
}

const CURSOR_PREFIX = 'tools:';

const encodeCursor = (offset: number): string =>
  Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url');

function decodeCursor(cursor: string | undefined, total: number): number {
  if (cursor === undefined) return 0;
  const text = cursor.length <= 64 ? Buffer.from(cursor, 'base64url').toString() : '';
  const match = /^tools:(\d{1,9})$/.exec(text);
  const offset = match ? Number(match[1]) : NaN;
  if (!(offset >= 0 && offset <= total)) {
    throw new McpRequestError(
      ErrorCode.InvalidParams,
      'Invalid cursor: pass the nextCursor of the previous tools/list answer unchanged',
      { error: 'VALIDATION_FAILED' },
    );
  }
  return offset;
}

/**
 * One page of `tools` from the opaque `cursor` (MCP pagination): bounded in count and bytes,
 * so one tools/list answer stays small however many and however large the workflows are.
 */
export function pageOfTools(
  tools: readonly Tool[],
  cursor: string | undefined,
  limits: ToolPageLimits,
): { tools: Tool[]; nextCursor?: string } {
  const start = decodeCursor(cursor, tools.length);
  const page: Tool[] = [];
  let bytes = 0;
  for (let i = start; i < tools.length && page.length < limits.maxTools; i++) {
    const size = Buffer.byteLength(JSON.stringify(tools[i]));
    if (page.length > 0 && bytes + size > limits.maxBytes) break;
    page.push(tools[i]);
    bytes += size;
  }
  const next = start + page.length;
  return next < tools.length ? { tools: page, nextCursor: encodeCursor(next) } : { tools: page };
}

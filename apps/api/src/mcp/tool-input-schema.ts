import type { Tool } from '@modelcontextprotocol/sdk/types.js';

export type ToolInputSchema = Tool['inputSchema'];

const ANY_OBJECT: ToolInputSchema = { type: 'object' };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * A workflow's `parameters` as a tool's `inputSchema` (docs/mcp.md): the schema itself when it
 * is an object schema in the shape MCP requires (`type` exactly "object", `properties` a map
 * of schema objects, `required` a list of names; SDK clients refuse a tools/list answer with
 * anything else), otherwise `{type: "object"}`. The arguments of a call are validated by
 * ExecutionService.start against the workflow's own schema, as for REST (docs/run-control.md).
 */
export function toolInputSchema(parameters: unknown): ToolInputSchema {
  if (!isPlainObject(parameters) || parameters.type !== 'object') return ANY_OBJECT;
  const { properties, required } = parameters;
  if (properties !== undefined) {
    if (!isPlainObject(properties) || !Object.values(properties).every(isPlainObject)) {
      return ANY_OBJECT;
    }
  }
  if (required !== undefined) {
    if (!Array.isArray(required) || !required.every((name) => typeof name === 'string')) {
      return ANY_OBJECT;
    }
  }
  return parameters as ToolInputSchema;
}

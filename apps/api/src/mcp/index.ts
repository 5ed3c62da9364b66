// The MCP feature's public entry point.
export * from './mcp.module';

import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { McpRequestError } from './mcp-results';
import { pageOfTools } from './tool-pages';

const tool = (name: string, padding = 0): Tool => ({
  name,
  description: 'x'.repeat(padding),
  inputSchema: { type: 'object' },
});

const all = (tools: Tool[], limits: { maxTools: number; maxBytes: number }) => {
  const pages: Tool[][] = [];
  let cursor: string | undefined;
  do {
    const page = pageOfTools(tools, cursor, limits);
    pages.push(page.tools);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return pages;
};

describe(pageOfTools.name, () => {
  const tools = Array.from({ length: 10 }, (_, i) => tool(`t${i}`));

  it('should answer everything without a cursor when it fits one page', () => {
    const sut = pageOfTools(tools, undefined, { maxTools: 100, maxBytes: 1 << 20 });

    expect(sut).toEqual({ tools });
  });

  it('should split by count, every tool once and in order', () => {
    const sut = all(tools, { maxTools: 4, maxBytes: 1 << 20 });

    expect(sut.map((page) => page.length)).toEqual([4, 4, 2]);
    expect(sut.flat()).toEqual(tools);
  });

  it('should split by bytes, giving an oversized tool a page of its own', () => {
    const mixed = [tool('a', 100), tool('big', 5000), tool('b', 100), tool('c', 100)];

    const sut = all(mixed, { maxTools: 100, maxBytes: 1024 });

    expect(sut.map((page) => page.map((t) => t.name))).toEqual([['a'], ['big'], ['b', 'c']]);
  });

  it.each(['garbage', Buffer.from('tools:99').toString('base64url'), 'x'.repeat(100)])(
    'should refuse the cursor %j',
    (cursor) => {
      expect(() => pageOfTools(tools, cursor, { maxTools: 4, maxBytes: 1024 })).toThrow(
        McpRequestError,
      );
    },
  );
});

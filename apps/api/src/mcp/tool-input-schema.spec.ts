import { ListToolsResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { toolInputSchema } from './tool-input-schema';

describe(toolInputSchema.name, () => {
  it.each([
    [{ type: 'object' }],
    [{ type: 'object', properties: { a: { type: 'string' } }, required: ['a'] }],
    [{ $schema: 'http://json-schema.org/draft-07/schema#', type: 'object', properties: {} }],
  ])('should keep the object schema %j', (schema) => {
    expect(toolInputSchema(schema)).toBe(schema);
  });

  it.each([
    [null],
    ['{"type":"object"}'],
    [[{ type: 'object' }]],
    [{}],
    [{ type: 'string' }],
    [{ type: ['object', 'null'] }],
    [{ type: 'object', properties: { a: true } }],
    [{ type: 'object', properties: [] }],
    [{ type: 'object', required: 'a' }],
    [{ type: 'object', required: [1] }],
  ])('should answer any object for %j', (schema) => {
    expect(toolInputSchema(schema)).toEqual({ type: 'object' });
  });

  it('should only produce schemas the SDK accepts in a tools/list answer', () => {
    const candidates = [
      { type: 'object', properties: { a: true } },
      { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
      { type: 'object', required: [1] },
    ];
    const tools = candidates.map((c, i) => ({ name: `t${i}`, inputSchema: toolInputSchema(c) }));

    expect(ListToolsResultSchema.safeParse({ tools }).success).toBe(true);
  });
});

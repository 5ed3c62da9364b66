import { JsonSchemaValidator, isObjectSchema } from './json-schema.validator';

describe(JsonSchemaValidator.name, () => {
  let sut: JsonSchemaValidator;
  beforeEach(() => {
    sut = new JsonSchemaValidator();
  });

  it('should list every failing path of a draft-07 schema', () => {
    const schema = {
      type: 'object',
      properties: { month: { type: 'string' }, n: { type: 'integer', minimum: 1 } },
      required: ['month'],
      additionalProperties: false,
    };
    const check = sut.validate('w:1', schema, { n: 0, extra: 1 });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors.map((e) => e.field).sort()).toEqual([
      'params.extra',
      'params.month',
      'params.n',
    ]);
  });

  it('should accept 2020-12 schemas, the dialect MCP clients default to', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      prefixItems: [{ type: 'string' }],
      properties: { tags: { type: 'array', prefixItems: [{ type: 'string' }] } },
    };
    expect(sut.schemaProblem(schema)).toBeNull();
    expect(sut.validate('w:2', schema, { tags: ['a'] }).ok).toBe(true);
    expect(sut.validate('w:2', schema, { tags: [1] }).ok).toBe(false);
  });

  it('should report a schema that does not compile', () => {
    expect(sut.schemaProblem({ type: 'object', properties: { a: { type: 'nope' } } })).toMatch(
      /type/,
    );
  });

  it('should let two workflows use the same $id', () => {
    const schema = { $id: 'https://example.com/in', type: 'object', required: ['a'] };
    expect(sut.validate('a:1', schema, {}).ok).toBe(false);
    expect(sut.validate('b:1', { ...schema, required: ['b'] }, { a: 1 }).ok).toBe(false);
    expect(sut.schemaProblem(schema)).toBeNull();
  });

  it('should only treat type object schemas as input schemas', () => {
    expect(isObjectSchema({ type: 'object' })).toBe(true);
    expect(isObjectSchema({ type: 'string' })).toBe(false);
    expect(isObjectSchema(null)).toBe(false);
  });
});

import { JsonSchemaValidator, isObjectSchema } from './json-schema.validator';

describe(JsonSchemaValidator.name, () => {
  let sut: JsonSchemaValidator;
  beforeAll(() => {
    sut = new JsonSchemaValidator();
  });
  afterAll(async () => {
    await sut.onModuleDestroy();
  });

  it('should list every failing path of a draft-07 schema', async () => {
    const schema = {
      type: 'object',
      properties: { month: { type: 'string' }, n: { type: 'integer', minimum: 1 } },
      required: ['month'],
      additionalProperties: false,
    };
    const check = await sut.validate('w:1', schema, { n: 0, extra: 1 });
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors.map((e) => e.field).sort()).toEqual([
      'params.extra',
      'params.month',
      'params.n',
    ]);
  });

  it('should accept 2020-12 schemas, the dialect MCP clients default to', async () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      prefixItems: [{ type: 'string' }],
      properties: { tags: { type: 'array', prefixItems: [{ type: 'string' }] } },
    };
    expect(await sut.schemaProblem(schema)).toBeNull();
    expect((await sut.validate('w:2', schema, { tags: ['a'] })).ok).toBe(true);
    expect((await sut.validate('w:2', schema, { tags: [1] })).ok).toBe(false);
  });

  it('should report a schema that does not compile', async () => {
    expect(
      await sut.schemaProblem({ type: 'object', properties: { a: { type: 'nope' } } }),
    ).toMatch(/type/);
  });

  it('should let two workflows use the same $id', async () => {
    const schema = { $id: 'https://example.com/in', type: 'object', required: ['a'] };
    expect((await sut.validate('a:1', schema, {})).ok).toBe(false);
    expect((await sut.validate('b:1', { ...schema, required: ['b'] }, { a: 1 })).ok).toBe(false);
    expect(await sut.schemaProblem(schema)).toBeNull();
  });

  it('should only treat type object schemas as input schemas', () => {
    expect(isObjectSchema({ type: 'object' })).toBe(true);
    expect(isObjectSchema({ type: 'string' })).toBe(false);
    expect(isObjectSchema(null)).toBe(false);
  });

  it('should match patterns in linear time: ^(a+)+$ against 31 a and a !', async () => {
    const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } };
    expect(await sut.schemaProblem(schema)).toBeNull();
    const started = Date.now();
    const check = await sut.validate('re:1', schema, { s: `${'a'.repeat(31)}!` });
    expect(check.ok).toBe(false);
    expect((await sut.validate('re:1', schema, { s: 'aaa' })).ok).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('should refuse patterns without a linear-time match (backreferences, lookaround)', async () => {
    const schema = { type: 'object', properties: { s: { type: 'string', pattern: '(a)\\1' } } };
    expect(await sut.schemaProblem(schema)).toMatch(/not supported/);
    const look = { type: 'object', patternProperties: { '^(?=x)': { type: 'string' } } };
    expect(await sut.schemaProblem(look)).toMatch(/not supported/);
  });

  it('should refuse recursive and outward $ref', async () => {
    expect(await sut.schemaProblem({ type: 'object', $ref: '#' })).toMatch(/recursive/);
    const cycle = {
      type: 'object',
      properties: { a: { $ref: '#/definitions/x' } },
      definitions: {
        x: { properties: { y: { $ref: '#/definitions/y' } } },
        y: { $ref: '#/definitions/x' },
      },
    };
    expect(await sut.schemaProblem(cycle)).toMatch(/recursive/);
    expect(await sut.schemaProblem({ type: 'object', $ref: 'https://example.com/s' })).toMatch(
      /inside the schema/,
    );
    const shared = {
      type: 'object',
      properties: { a: { $ref: '#/definitions/x' }, b: { $ref: '#/definitions/x' } },
      definitions: { x: { type: 'string' } },
    };
    expect(await sut.schemaProblem(shared)).toBeNull();
  });

  it('should refuse a stored recursive schema at validation with a problem, not a throw', async () => {
    const check = await sut.validate('ref:1', { type: 'object', $ref: '#' }, {});
    expect(check).toMatchObject({ ok: false, problem: expect.stringMatching(/recursive/) });
  });

  it('should refuse a 15,000-property schema', async () => {
    const properties = Object.fromEntries(
      Array.from({ length: 15_000 }, (_, i) => [`p${i}`, { type: 'string' }]),
    );
    expect(await sut.schemaProblem({ type: 'object', properties })).toMatch(/too large|larger/);
  });

  it('should give up on a document that takes longer than the budget, then keep working', async () => {
    const schema = { type: 'object', properties: { list: { type: 'array', uniqueItems: true } } };
    const list = Array.from({ length: 40_000 }, (_, i) => ({ a: { b: [i % 7, { c: i }] } }));
    const started = Date.now();
    const check = await sut.validate('uniq:1', schema, { list });
    expect(check).toMatchObject({ ok: false, problem: expect.stringMatching(/within/) });
    expect(Date.now() - started).toBeLessThan(5000);
    expect((await sut.validate('uniq:1', schema, { list: [1, 2] })).ok).toBe(true);
  });
});

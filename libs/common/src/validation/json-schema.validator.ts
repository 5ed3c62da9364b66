import { Injectable } from '@nestjs/common';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import Ajv2019 from 'ajv/dist/2019';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { FieldError } from '../errors/app.exception';
import { JsonObject } from '../types/json';

export type SchemaCheck = { ok: true } | { ok: false; errors: FieldError[] };

const MAX_CACHED = 1000;
const AJV_OPTIONS = { allErrors: true, strict: false, coerceTypes: false } as const;

/** An object JSON Schema is one whose `type` is "object": only those validate inputs. */
export function isObjectSchema(schema: unknown): schema is JsonObject {
  return (
    !!schema &&
    typeof schema === 'object' &&
    !Array.isArray(schema) &&
    (schema as JsonObject).type === 'object'
  );
}

/**
 * Workflows are independent documents: a root `$id` must not clash with another workflow's
 * in the shared Ajv instance, and Ajv keeps compiled schemas by object, so each gets its own.
 */
function withoutId(schema: JsonObject): JsonObject {
  const { $id: _id, ...rest } = schema;
  return rest;
}

function toFieldErrors(errors: ErrorObject[] | null | undefined, root: string): FieldError[] {
  const byPath = new Map<string, string[]>();
  for (const error of errors ?? []) {
    let path = error.instancePath.replace(/\//g, '.');
    if (error.keyword === 'required') path += `.${String(error.params.missingProperty)}`;
    if (error.keyword === 'additionalProperties')
      path += `.${String(error.params.additionalProperty)}`;
    const field = `${root}${path}`;
    const message =
      error.keyword === 'additionalProperties' ? 'is not allowed' : (error.message ?? 'is invalid');
    byPath.set(field, [...(byPath.get(field) ?? []), message]);
  }
  return [...byPath].map(([field, messages]) => ({ field, errors: messages }));
}

/**
 * Validates documents against JSON Schemas (draft-07 and the formats of ajv-formats).
 * Compiled validators are cached by a caller-chosen version key, so each workflow version
 * is compiled once; used for REST start routes and MCP tool calls alike.
 */
@Injectable()
export class JsonSchemaValidator {
  private readonly draft07 = new Ajv(AJV_OPTIONS);
  private readonly draft2019 = new Ajv2019(AJV_OPTIONS);
  private readonly draft2020 = new Ajv2020(AJV_OPTIONS);
  private readonly cache = new Map<
    string,
    { validate: ValidateFunction; schema: JsonObject; ajv: Ajv }
  >();

  constructor() {
    for (const ajv of [this.draft07, this.draft2019, this.draft2020]) addFormats(ajv);
  }

  /** Draft-07 unless the schema names 2019-09 or 2020-12 (MCP's default dialect). */
  private ajvFor(schema: JsonObject): Ajv {
    const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
    if (dialect.includes('2020-12')) return this.draft2020;
    if (dialect.includes('2019-09')) return this.draft2019;
    return this.draft07;
  }

  /** Why a schema cannot be compiled, or null when it is a usable schema. */
  schemaProblem(schema: JsonObject): string | null {
    const own = withoutId(schema);
    const ajv = this.ajvFor(own);
    try {
      ajv.compile(own);
      return null;
    } catch (err) {
      return (err as Error).message;
    } finally {
      ajv.removeSchema(own);
    }
  }

  /** Checks `value` against `schema`; `versionKey` identifies the schema for caching. */
  validate(versionKey: string, schema: JsonObject, value: unknown, root = 'params'): SchemaCheck {
    const validate = this.compiled(versionKey, schema);
    if (!validate) return { ok: true };
    if (validate(value)) return { ok: true };
    return { ok: false, errors: toFieldErrors(validate.errors, root) };
  }

  private compiled(versionKey: string, schema: JsonObject): ValidateFunction | null {
    const cached = this.cache.get(versionKey);
    if (cached) return cached.validate;
    const own = withoutId(schema);
    const ajv = this.ajvFor(own);
    let validate: ValidateFunction;
    try {
      validate = ajv.compile(own);
    } catch {
      // Stored before schemas were checked on upsert: inputs cannot be checked against it.
      ajv.removeSchema(own);
      return null;
    }
    if (this.cache.size >= MAX_CACHED) {
      const [oldestKey, oldest] = this.cache.entries().next().value ?? [];
      if (oldestKey !== undefined && oldest) {
        this.cache.delete(oldestKey);
        oldest.ajv.removeSchema(oldest.schema);
      }
    }
    this.cache.set(versionKey, { validate, schema: own, ajv });
    return validate;
  }
}

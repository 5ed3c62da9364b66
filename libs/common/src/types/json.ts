/**
 * JSON documents stored in JSON columns (schemas, params, results). Values are typed loosely
 * on purpose: TypeORM's deep-partial types cannot follow a recursive JSON type.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonObject = Record<string, any>;

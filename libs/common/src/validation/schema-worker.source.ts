/**
 * The code of a schema worker thread (run with `eval`, so the bundled build needs no separate
 * file). It compiles and runs Ajv with RE2 (re2js) as its regular expression engine: patterns
 * match in linear time, and those RE2 cannot run (lookaround, backreferences) fail to compile.
 */
export const SCHEMA_WORKER_SOURCE = String.raw`
const { parentPort, workerData } = require('node:worker_threads');
const { createRequire } = require('node:module');

let load;
for (const base of workerData.bases) {
  try {
    const candidate = createRequire(base);
    candidate.resolve('ajv');
    candidate.resolve('re2js');
    load = candidate;
    break;
  } catch {}
}
const Ajv = load('ajv').default;
const Ajv2019 = load('ajv/dist/2019').default;
const Ajv2020 = load('ajv/dist/2020').default;
const addFormats = load('ajv-formats').default;
const { RE2JS } = load('re2js');

function linearRegExp(pattern, flags) {
  let re;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    throw new Error('pattern ' + JSON.stringify(pattern.slice(0, 100)) +
      ' is not supported (lookaround and backreferences have no linear-time match): ' +
      String(err && err.message || err).slice(0, 200));
  }
  return { test: (s) => re.matcher(s).find(), toString: () => '/' + pattern + '/' + flags };
}
linearRegExp.code = 'linearRegExp';

const options = { allErrors: true, strict: false, coerceTypes: false, code: { regExp: linearRegExp } };
const dialects = [new Ajv(options), new Ajv2019(options), new Ajv2020(options)];
for (const ajv of dialects) addFormats(ajv);

function ajvFor(schema) {
  const dialect = typeof schema.$schema === 'string' ? schema.$schema : '';
  if (dialect.includes('2020-12')) return dialects[2];
  if (dialect.includes('2019-09')) return dialects[1];
  return dialects[0];
}

const MAX_CACHED = workerData.maxCached;
const cache = new Map();

function compile(schema) {
  const ajv = ajvFor(schema);
  try {
    return { ajv, validate: ajv.compile(schema) };
  } catch (err) {
    ajv.removeSchema(schema);
    throw err;
  }
}

function compiled(key, schema) {
  const hit = cache.get(key);
  if (hit) return hit.validate;
  const entry = compile(schema);
  if (cache.size >= MAX_CACHED) {
    const [oldestKey, oldest] = cache.entries().next().value;
    cache.delete(oldestKey);
    oldest.ajv.removeSchema(oldest.schema);
  }
  cache.set(key, { ...entry, schema });
  return entry.validate;
}

// Each dialect compiles its meta-schema on first use: done now, not within a request's budget.
for (const ajv of dialects) {
  const warm = { type: 'object', properties: { s: { type: 'string', pattern: '^a+$' } } };
  ajv.compile(warm);
  ajv.removeSchema(warm);
}
parentPort.postMessage({ ready: true });

parentPort.on('message', ({ id, op, key, schema, value }) => {
  try {
    if (op === 'check') {
      const { ajv } = compile(schema);
      ajv.removeSchema(schema);
      parentPort.postMessage({ id, ok: true });
      return;
    }
    const validate = compiled(key, schema);
    const ok = validate(value);
    parentPort.postMessage({ id, ok, errors: ok ? undefined : validate.errors });
  } catch (err) {
    parentPort.postMessage({ id, ok: false, problem: String(err && err.message || err) });
  }
});
`;

import { JsonObject } from '../types/json';
import { jsonBoundsProblem } from './json-bounds';

/** What a workflow's input schema may be: enough for any form, too little to hurt. */
export const SCHEMA_LIMITS = {
  maxBytes: 64 * 1024,
  maxDepth: 32,
  maxNodes: 4000,
  maxString: 4096,
  maxRefs: 200,
} as const;

/** Keywords that change where `$ref` points or let a schema recurse through the dialect. */
const REFUSED_KEYWORDS = ['$dynamicRef', '$recursiveRef', '$dynamicAnchor', '$recursiveAnchor'];

type Json = JsonObject | unknown[] | string | number | boolean | null;

function decodePointer(ref: string): string[] | null {
  if (ref === '#') return [];
  if (!ref.startsWith('#/')) return null;
  try {
    return decodeURIComponent(ref.slice(2))
      .split('/')
      .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
  } catch {
    return null;
  }
}

function at(root: Json, path: string[]): Json | undefined {
  let node: Json | undefined = root;
  for (const token of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, Json>)[token];
  }
  return node;
}

/**
 * Why `schema` is refused before it is even compiled, or null. `$ref` may only point inside
 * the schema (`#/...`) and never back to where it is used from: recursion lets one request
 * make validation walk without end, so it is refused at upsert.
 */
export function schemaBoundsProblem(schema: JsonObject): string | null {
  const text = JSON.stringify(schema);
  if (Buffer.byteLength(text) > SCHEMA_LIMITS.maxBytes) {
    return `the schema is larger than ${SCHEMA_LIMITS.maxBytes} bytes`;
  }
  const shape = jsonBoundsProblem(schema, SCHEMA_LIMITS);
  if (shape) return `the schema is too large: ${shape}`;

  // Every subschema with its JSON pointer; refs found on the way.
  const refs: Array<{ from: string[]; to: string[] }> = [];
  const stack: Array<[Json, string[]]> = [[schema, []]];
  while (stack.length) {
    const [node, path] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      node.forEach((item, i) => stack.push([item as Json, [...path, String(i)]]));
      continue;
    }
    for (const keyword of REFUSED_KEYWORDS) {
      if (keyword in node) return `${keyword} is not supported`;
    }
    if (path.length && typeof node.$id === 'string') return '$id is only allowed at the root';
    if ('$ref' in node && typeof node.$ref === 'string') {
      const to = decodePointer(node.$ref);
      if (!to) return `$ref ${node.$ref.slice(0, 100)} must point inside the schema (#/...)`;
      if (at(schema, to) === undefined) return `$ref ${node.$ref.slice(0, 100)} points nowhere`;
      refs.push({ from: path, to });
      if (refs.length > SCHEMA_LIMITS.maxRefs) {
        return `the schema uses $ref more than ${SCHEMA_LIMITS.maxRefs} times`;
      }
    }
    for (const [key, child] of Object.entries(node)) stack.push([child as Json, [...path, key]]);
  }
  return refCycle(refs);
}

const within = (inner: string[], outer: string[]) =>
  inner.length >= outer.length && outer.every((token, i) => inner[i] === token);

/** A ref that can reach, through refs, a subschema that contains it: a recursion. */
function refCycle(refs: Array<{ from: string[]; to: string[] }>): string | null {
  // Edge i -> j when ref j sits inside the subschema that ref i points to.
  const next = refs.map((r) => refs.flatMap((s, j) => (within(s.from, r.to) ? [j] : [])));
  const state = new Array<0 | 1 | 2>(refs.length).fill(0);
  for (let start = 0; start < refs.length; start++) {
    if (state[start]) continue;
    const stack: Array<[number, number]> = [[start, 0]];
    state[start] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [node, edge] = top;
      if (edge >= next[node].length) {
        state[node] = 2;
        stack.pop();
        continue;
      }
      top[1]++;
      const to = next[node][edge];
      if (state[to] === 1) {
        const ref = '#' + refs[to].to.map((t) => `/${t}`).join('');
        return `$ref ${ref.slice(0, 100)} makes the schema recursive`;
      }
      if (state[to] === 0) {
        state[to] = 1;
        stack.push([to, 0]);
      }
    }
  }
  return null;
}

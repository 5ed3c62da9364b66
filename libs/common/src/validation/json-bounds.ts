/** Limits on the shape of a JSON document: nesting, members and text. */
export interface JsonLimits {
  maxDepth: number;
  /** Object members and array items, counted over the whole document. */
  maxNodes: number;
  /** Characters of any one string, object keys included. */
  maxString: number;
}

/**
 * Why `value` is beyond `limits`, or null. Walks with an explicit stack, so a 10,000-level
 * document costs a loop, not a stack overflow; stops at the first excess.
 */
export function jsonBoundsProblem(value: unknown, limits: JsonLimits): string | null {
  const stack: Array<[unknown, number]> = [[value, 1]];
  let nodes = 0;
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node === 'string') {
      if (node.length > limits.maxString) {
        return `a string is longer than ${limits.maxString} characters`;
      }
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (depth > limits.maxDepth) return `nesting is deeper than ${limits.maxDepth} levels`;
    if (Array.isArray(node)) {
      nodes += node.length;
      if (nodes > limits.maxNodes) return `more than ${limits.maxNodes} members in all`;
      for (const item of node) stack.push([item, depth + 1]);
      continue;
    }
    for (const key in node) {
      if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
      if (++nodes > limits.maxNodes) return `more than ${limits.maxNodes} members in all`;
      if (key.length > limits.maxString) {
        return `a key is longer than ${limits.maxString} characters`;
      }
      stack.push([(node as Record<string, unknown>)[key], depth + 1]);
    }
  }
  return null;
}

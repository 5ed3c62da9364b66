import { createHash } from 'node:crypto';

/**
 * Tool names we hand out. The MCP specification (2025-11-25, SDK `validateToolName`) allows
 * 1-128 characters of [A-Za-z0-9_.-]; the model APIs agents pass tools to (OpenAI, Anthropic,
 * Gemini function calling) accept only 1-64 of [A-Za-z0-9_-]. We use the stricter rule, so a
 * name works everywhere, and never start or end one with "-" or "_".
 */
export const TOOL_NAME_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const TOOL_NAME_MAX_LENGTH = 64;

const EDGES = /^[-_]+|[-_]+$/g;

/** `raw` as a tool name: accents dropped, other characters to "_", bounded; may be "". */
export function sanitiseToolName(raw: string | null | undefined, maxLength = TOOL_NAME_MAX_LENGTH) {
  if (!raw) return '';
  return raw
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(EDGES, '')
    .slice(0, maxLength)
    .replace(EDGES, '');
}

export interface NameableWorkflow {
  project_id: string;
  name: string;
  english_name: string | null;
}

/** The name a workflow asks for: english_name, else name, else one made of its project_id. */
export function baseToolName(workflow: NameableWorkflow): string {
  return (
    sanitiseToolName(workflow.english_name) ||
    sanitiseToolName(workflow.name) ||
    withSuffix('workflow', projectSuffix(workflow.project_id))
  );
}

/** A short, stable, name-safe token for a project_id. */
function projectSuffix(projectId: string): string {
  const clean = sanitiseToolName(projectId, 24);
  if (clean && clean.length === projectId.length) return `_${clean}`;
  return `_${createHash('sha256').update(projectId).digest('hex').slice(0, 8)}`;
}

function withSuffix(base: string, suffix: string): string {
  return base.slice(0, TOOL_NAME_MAX_LENGTH - suffix.length).replace(EDGES, '') + suffix;
}

/**
 * Gives each workflow a valid tool name, unique among them and the `reserved` names (compared
 * without case, as some clients do). In the given order the first keeps its base name; a
 * later one with the same name gets "_<project_id>" (hashed when long or unsafe), then a
 * counter if that is taken too. The same workflows in the same order always get the same
 * names, which is how a call finds the workflow a listed name stands for.
 */
export function assignToolNames<T extends NameableWorkflow>(
  workflows: readonly T[],
  reserved: readonly string[] = [],
): Array<{ name: string; workflow: T }> {
  const taken = new Set(reserved.map((name) => name.toLowerCase()));
  const free = (name: string) => !taken.has(name.toLowerCase());
  return workflows.map((workflow) => {
    const base = baseToolName(workflow);
    let name = base;
    if (!free(name)) name = withSuffix(base, projectSuffix(workflow.project_id));
    for (let n = 2; !free(name); n++) name = withSuffix(base, `_${n}`);
    taken.add(name.toLowerCase());
    return { name, workflow };
  });
}

import request from 'supertest';
import TestAgent from 'supertest/lib/agent';

/**
 * What the tests set up through the real routes: workflows, API keys, started executions.
 * `target` is an app's agent (TestApp.http) or the base URL of any app (a spawned process).
 */
export type Target = TestAgent | string;

const agent = (target: Target): TestAgent =>
  typeof target === 'string' ? request(target) : target;

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

export interface WorkflowFields {
  name?: string;
  english_name?: string;
  description?: string;
  /** 1 active (what the route stores when left out), 0 inactive. */
  status?: 0 | 1;
  parameters?: object;
  version?: string;
}

/** Creates (or updates) a workflow of `userId`, named `Workflow <projectId>` unless given. */
export async function upsertWorkflow(
  target: Target,
  userId: string,
  projectId: string,
  fields: WorkflowFields = {},
): Promise<void> {
  await agent(target)
    .post('/v1/workflows/upsert')
    .set('X-User-Id', userId)
    .send({ project_id: projectId, name: `Workflow ${projectId}`, ...fields })
    .expect(200);
}

export interface KeyFields {
  name?: string;
  scopes?: string[];
  /** ISO date-time; never, when left out. */
  expires_at?: string;
}

/** A new API key of `userId`: the full key and its id. */
export async function createKeyWithId(
  target: Target,
  userId: string,
  fields: KeyFields = {},
): Promise<{ key: string; id: number }> {
  const res = await agent(target)
    .post('/v1/api-keys')
    .set('X-User-Id', userId)
    .send({ name: `key of ${userId}`, ...fields })
    .expect(201);
  return { key: res.body.data.api_key as string, id: Number(res.body.data.id) };
}

/** A new API key of `userId`: the full key. */
export async function createKey(
  target: Target,
  userId: string,
  fields: KeyFields = {},
): Promise<string> {
  return (await createKeyWithId(target, userId, fields)).key;
}

export async function revokeKey(target: Target, userId: string, id: number): Promise<void> {
  await agent(target).delete(`/v1/api-keys/${id}`).set('X-User-Id', userId).expect(200);
}

/** POST /v1/executions with `key`; answers the request, for the caller to check. */
export function startExecution(
  target: Target,
  key: string,
  projectId: string,
  params: Record<string, unknown> = {},
) {
  return agent(target)
    .post('/v1/executions')
    .set(bearer(key))
    .send({ project_id: projectId, params });
}

/** Starts an execution (202) and answers its id. */
export async function startRun(
  target: Target,
  key: string,
  projectId: string,
  params: Record<string, unknown> = {},
): Promise<string> {
  const res = await startExecution(target, key, projectId, params).expect(202);
  return res.body.data.execution.id as string;
}

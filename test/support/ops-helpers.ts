import { randomUUID } from 'node:crypto';
import request from 'supertest';
import TestAgent from 'supertest/lib/agent';
import { DataSource } from 'typeorm';
import {
  ExecutionEntity,
  ExecutionStatus,
} from '../../apps/api/src/execution/entities/execution.entity';

type Http = TestAgent | string;

const agent = (http: Http): TestAgent => (typeof http === 'string' ? request(http) : http);

/** An active workflow of `userId` (trusted user header). */
export async function upsertWorkflow(http: Http, userId: string, projectId: string): Promise<void> {
  await agent(http)
    .post('/workflows/upsert')
    .set('X-User-Id', userId)
    .send({ project_id: projectId, name: `Workflow ${projectId}` })
    .expect(200);
}

/** A new API key of `userId`; answers the full key. */
export async function createKey(http: Http, userId: string, name = 'ops-test'): Promise<string> {
  const res = await agent(http)
    .post('/api-keys')
    .set('X-User-Id', userId)
    .send({ name })
    .expect(201);
  return res.body.data.api_key as string;
}

/** Starts an execution with `POST /executions`; answers the raw response. */
export function startExecution(
  http: Http,
  key: string,
  projectId: string,
  params: Record<string, unknown> = {},
) {
  return agent(http)
    .post('/executions')
    .set('Authorization', `Bearer ${key}`)
    .send({ project_id: projectId, params });
}

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format (enough of it for assertions). */
export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** Sum of the samples named `name` whose labels include `labels`; undefined when none. */
export function metricValue(
  text: string,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const matching = parseMetrics(text).filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return matching.length ? matching.reduce((sum, s) => sum + s.value, 0) : undefined;
}

/**
 * Writes an execution row directly, as a crash would leave it (no job, no event). One row per
 * call: a bulk insert re-reads the defaults into the entities in another order.
 */
export async function insertExecution(
  db: DataSource,
  patch: Partial<ExecutionEntity>,
): Promise<ExecutionEntity> {
  const repo = db.getRepository(ExecutionEntity);
  const now = new Date();
  const row = repo.create({
    id: randomUUID(),
    project_id: 'p-ops',
    user_id: 'ops-user',
    status: ExecutionStatus.Pending,
    parameters: {},
    result: null,
    error: null,
    exec_position: 'EXECUTOR',
    progress: 0,
    robot_task_id: null,
    trigger: 'api',
    priority: 5,
    created_at: now,
    updated_at: now,
    ...patch,
  });
  await repo.insert(row);
  return row;
}

import { TestApp, startTestApp } from './support/app';
import { bearer, createKeyWithId, upsertWorkflow } from './support/fixtures';
import { waitFor } from './support/wait';
import { Receiver, startReceiver } from './support/webhook-receiver';

/** Modern routes' prefix. */
const V = '/v1';
const LOWER = 'alice';
const UPPER = 'ALICE';
const as = (user: string) => ({ 'X-User-Id': user });

async function runToEnd(sut: TestApp, key: string, projectId: string, headers = {}) {
  const started = await sut.http
    .post(`${V}/workflows/${projectId}/execute-async`)
    .set(bearer(key))
    .set(headers)
    .send({ params: { secret_param: projectId } })
    .expect(202);
  const id = started.body.data.executionId as string;
  await waitFor(
    async () => (await sut.http.get(`${V}/executions/${id}`).set(bearer(key))).body.data,
    { what: `execution ${id} to end`, accept: (d) => !!d?.execution?.end_time },
  );
  return id;
}

describe('Exact identities (e2e)', () => {
  let sut: TestApp;
  let receiver: Receiver;
  let lowerKey: { key: string; id: number };
  let upperKey: { key: string; id: number };
  let lowerRun: string;
  let lowerSchedule: string;

  beforeAll(async () => {
    sut = await startTestApp({ WEBHOOK_ALLOW_PRIVATE: 'true' });
    receiver = await startReceiver();
    lowerKey = await createKeyWithId(sut.http, LOWER);
    upperKey = await createKeyWithId(sut.http, UPPER);
    await upsertWorkflow(sut.http, LOWER, 'Shared-Name', { name: 'lower' });
    const schedule = await sut.http
      .post(`${V}/workflows/Shared-Name/schedules`)
      .set(as(LOWER))
      .send({ cron: '0 0 1 1 *', params: {} })
      .expect(201);
    lowerSchedule = schedule.body.data.schedule.id as string;
    await sut.http
      .post(`${V}/webhooks`)
      .set(as(LOWER))
      .send({ url: `${receiver.url}/lower`, events: ['execution.completed'] })
      .expect(201);
    lowerRun = await runToEnd(sut, lowerKey.key, 'Shared-Name', { 'Idempotency-Key': 'same' });
  });
  afterAll(async () => {
    await receiver?.close();
    await sut?.close();
  });

  it('should store every identity column with a binary collation and user ids of 128 characters', async () => {
    const columns = (await sut.db.query(
      `SELECT table_name AS t, column_name AS c, collation_name AS coll, character_maximum_length AS len
         FROM information_schema.columns
        WHERE table_schema = DATABASE()
          AND (column_name IN ('id','user_id','project_id','prefix','hash','idempotency_key','reference','request_id','robot_task_id')
               OR column_name LIKE '%\\_id' OR column_name IN ('retry_of','redelivery_of'))
          AND collation_name IS NOT NULL`,
    )) as Array<{ t: string; c: string; coll: string; len: number }>;
    expect(columns.length).toBeGreaterThan(20);
    for (const column of columns) {
      expect(`${column.t}.${column.c} ${column.coll}`).toBe(
        `${column.t}.${column.c} utf8mb4_nopad_bin`,
      );
      if (column.c === 'user_id') expect(Number(column.len)).toBe(128);
    }
  });

  it('should keep workflows apart: ALICE neither lists, overwrites nor deletes those of alice', async () => {
    const list = await sut.http.get(`${V}/workflows`).set(as(UPPER)).expect(200);
    expect(list.body.data.total).toBe(0);
    await sut.http.get(`${V}/workflows/Shared-Name`).set(as(UPPER)).expect(404);
    const takeover = await sut.http
      .post(`${V}/workflows/upsert`)
      .set(as(UPPER))
      .send({ project_id: 'Shared-Name', name: 'taken over' });
    expect(takeover.body.error).toBe('CONFLICT');
    await sut.http.delete(`${V}/workflows/Shared-Name`).set(as(UPPER)).expect(404);
    const mine = await sut.http.get(`${V}/workflows/Shared-Name`).set(as(LOWER)).expect(200);
    expect(mine.body.data.workflow.name).toBe('lower');
  });

  it('should treat project ids that differ only in case as two workflows', async () => {
    await upsertWorkflow(sut.http, UPPER, 'SHARED-NAME', { name: 'upper' });
    await upsertWorkflow(sut.http, UPPER, 'shared-name ', { name: 'trailing space' });
    const upper = await sut.http.get(`${V}/workflows`).set(as(UPPER)).expect(200);
    expect(upper.body.data.records.map((w: { name: string }) => w.name).sort()).toEqual([
      'trailing space',
      'upper',
    ]);
    const lower = await sut.http.get(`${V}/workflows/Shared-Name`).set(as(LOWER)).expect(200);
    expect(lower.body.data.workflow.name).toBe('lower');
  });

  it('should keep schedules apart', async () => {
    await sut.http.get(`${V}/schedules/${lowerSchedule}`).set(as(UPPER)).expect(404);
    await sut.http
      .patch(`${V}/schedules/${lowerSchedule}`)
      .set(as(UPPER))
      .send({ enabled: false })
      .expect(404);
    await sut.http.delete(`${V}/schedules/${lowerSchedule}`).set(as(UPPER)).expect(404);
    await sut.http.get(`${V}/workflows/Shared-Name/schedules`).set(as(UPPER)).expect(404);
    await sut.http.get(`${V}/schedules/${lowerSchedule}`).set(as(LOWER)).expect(200);
  });

  it('should keep webhooks and callback secrets apart', async () => {
    const hooks = await sut.http.get(`${V}/webhooks`).set(as(UPPER)).expect(200);
    expect(hooks.body.data.total ?? hooks.body.data.records.length).toBe(0);
    const lowerSecret = await sut.http.get(`${V}/webhooks/callback-secret`).set(as(LOWER));
    const upperSecret = await sut.http.get(`${V}/webhooks/callback-secret`).set(as(UPPER));
    expect(upperSecret.body.data.secret).not.toBe(lowerSecret.body.data.secret);
  });

  it('should keep API keys apart: ALICE neither lists nor revokes those of alice', async () => {
    const keys = await sut.http.get(`${V}/api-keys`).set(as(UPPER)).expect(200);
    const ids = (keys.body.data.records ?? keys.body.data).map((k: { id: number }) => Number(k.id));
    expect(ids).toEqual([upperKey.id]);
    await sut.http.delete(`${V}/api-keys/${lowerKey.id}`).set(as(UPPER)).expect(404);
    await sut.http.get(`${V}/executions/${lowerRun}`).set(bearer(lowerKey.key)).expect(200);
  });

  it('should keep executions, their events and Idempotency-Keys apart', async () => {
    await sut.http.get(`${V}/executions/${lowerRun}`).set(bearer(upperKey.key)).expect(404);
    const list = await sut.http.get(`${V}/executions`).set(bearer(upperKey.key)).expect(200);
    expect(list.body.data.records).toEqual([]);

    const upperRun = await runToEnd(sut, upperKey.key, 'SHARED-NAME', {
      'Idempotency-Key': 'same',
    });
    expect(upperRun).not.toBe(lowerRun);

    // alice's webhook hears her own run only, although ALICE's ended too.
    await sut.http
      .post(`${V}/webhooks`)
      .set(as(UPPER))
      .send({ url: `${receiver.url}/upper`, events: ['execution.completed'] })
      .expect(201);
    const third = await runToEnd(sut, upperKey.key, 'SHARED-NAME');
    await waitFor(async () => receiver.requests.filter((r) => r.path.endsWith('/upper')).length, {
      what: 'the upper webhook delivery',
      accept: (n) => n >= 1,
    });
    const ids = (path: string) =>
      receiver.requests
        .filter((r) => r.path.endsWith(path))
        .map((r) => JSON.parse(r.body).data.execution.id as string);
    expect(ids('/lower')).toEqual([lowerRun]);
    expect(ids('/upper')).toEqual([third]);
  });
});

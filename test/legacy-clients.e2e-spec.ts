import { setTimeout as sleep } from 'node:timers/promises';
import { TestApp, startTestApp } from './support/app';
import { openSse } from './support/sse';

/**
 * Each of the platform's real clients, replayed request by request as its code sends them,
 * asserting only what that client reads from the answers.
 */
describe('Legacy clients (e2e)', () => {
  let sut: TestApp;

  beforeAll(async () => {
    sut = await startTestApp({ SSE_PING_MS: '300' });
  });
  afterAll(async () => {
    await sut?.close();
  });

  /**
   * The platform's gateway forwards the front end's calls with its own session token as
   * Bearer and the user in `user_id`; the front end's axios client adds these headers and
   * turns every null of a POST body into ''.
   */
  const frontEnd = (userId: string) => ({
    Authorization: 'Bearer 7f3c2a9e-session-of-the-gateway',
    user_id: userId,
    'Content-Type': 'application/json;charset=UTF-8',
    'X-Requested-With': 'XMLHttpRequest',
    'Accept-Language': 'zh-CN',
  });
  const asPosted = (body: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(body).map(([k, v]) => [k, v ?? '']));

  it("should serve the front end's API-key panel: list, create, list, remove", async () => {
    const user = frontEnd('fe-user');
    // getApis(params): GET /api-keys/get with the table's paging params
    const empty = await sut.http.get('/api-keys/get').query({ pageNo: 1, pageSize: 10 }).set(user);
    expect(empty.status).toBe(200);
    expect(empty.body.code).toBe('0000');
    expect(empty.body.data.records).toEqual([]);

    // createAPI({name}): the modal shows res.data.api_key once
    const created = await sut.http
      .post('/api-keys/create')
      .set(user)
      .send(asPosted({ name: 'my engine' }));
    expect(created.body.code).toBe('0000');
    const key = created.body.data.api_key as string;
    expect(typeof key).toBe('string');

    const listed = await sut.http.get('/api-keys/get').query({ pageNo: 1, pageSize: 10 }).set(user);
    const [record] = listed.body.data.records;
    expect(listed.body.data.total).toBe(1);
    expect(record).toMatchObject({ name: 'my engine', api_key: expect.stringMatching(/\*+$/) });
    expect(record.createTime).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(key);

    // deleteAPI({id}) with the row's id
    const removed = await sut.http
      .post('/api-keys/remove')
      .set(user)
      .send(asPosted({ id: record.id }));
    expect(removed.body.code).toBe('0000');
    const after = await sut.http.get('/api-keys/get').query({ pageNo: 1, pageSize: 10 }).set(user);
    expect(after.body.data.records).toEqual([]);
  });

  it("should serve the front end's external-call helper: read, save the MCP config, republish", async () => {
    const user = frontEnd('designer');
    const robotId = '1950846340813021184';
    // getRobotLastIsExternalCall: pickBy(res.data.workflow, v => v !== null) for a new robot
    const none = await sut.http.get(`/workflows/get/${robotId}`).set(user);
    expect(none.body.code).toBe('0000');
    expect(none.body.data?.workflow).toBeUndefined();

    // The MCP config modal's handleOk: formState + parameters as a JSON string of descriptors
    const descriptors = [
      {
        id: 'p1',
        varName: 'month',
        varDirection: 0,
        varType: 'Str',
        varDescribe: 'Month',
        varValue: '',
      },
    ];
    const saved = await sut.http
      .post('/workflows/upsert')
      .set(user)
      .send(
        asPosted({
          project_id: robotId,
          name: '发票下载',
          english_name: 'invoice_download',
          description: 'Downloads the invoices of a month',
          version: '3',
          status: 1,
          parameters: JSON.stringify(descriptors),
        }),
      );
    expect(saved.body.code).toBe('0000');

    // The modal reopens: mcpConfig.parameters.length and .map(item => item.id)
    const reread = await sut.http.get(`/workflows/get/${robotId}`).set(user);
    const config = reread.body.data.workflow;
    expect(config.parameters.map((p: { id: string }) => p.id)).toEqual(['p1']);
    expect(config.status).toBe(1);

    // Toggling external calls off sends the form as it stands; nothing else is lost
    await sut.http
      .post('/workflows/upsert')
      .set(user)
      .send(
        asPosted({
          project_id: robotId,
          name: '',
          english_name: '',
          description: '',
          version: '3',
          status: 0,
          parameters: JSON.stringify(descriptors),
        }),
      );
    const toggled = (await sut.http.get(`/workflows/get/${robotId}`).set(user)).body.data.workflow;
    expect(toggled).toMatchObject({
      name: '发票下载',
      english_name: 'invoice_download',
      status: 0,
    });

    // After publishing version 4 the designer re-sends the whole stored config
    const current = Object.fromEntries(
      Object.entries(config as Record<string, unknown>).filter(([, v]) => v !== null),
    );
    const republished = await sut.http
      .post('/workflows/upsert')
      .set(user)
      .send(
        asPosted({
          ...current,
          project_id: robotId,
          version: 4,
          status: 1,
          parameters: JSON.stringify(current.parameters),
        }),
      );
    expect(republished.body.code).toBe('0000');
    expect(republished.body.data.workflow).toMatchObject({ version: '4', status: 1 });
  });

  it("should serve the agent console's workflow list with the user's key", async () => {
    const user = frontEnd('console-user');
    const key = (await sut.http.post('/api-keys/create').set(user).send({ name: 'agent' })).body
      .data.api_key as string;
    await sut.http
      .post('/workflows/upsert')
      .set(user)
      .send({ project_id: 'console-wf', name: 'Report', english_name: 'report', status: 1 });

    const res = await sut.http
      .get('/workflows/get')
      .query({ pageNo: 1, pageSize: 100 })
      .set('Authorization', `Bearer ${key}`);

    expect(res.body.code).toBe('0000');
    expect(res.body.data.total).toBe(1);
    expect(res.body.data.records[0]).toMatchObject({
      project_id: 'console-wf',
      name: 'Report',
      english_name: 'report',
      description: null,
      status: 1,
    });
  });

  it("should carry the engine plugin's create + 10 s poll through a 15 s run", async () => {
    const user = frontEnd('engine-user');
    const key = (await sut.http.post('/api-keys/create').set(user).send({ name: 'engine' })).body
      .data.api_key as string;
    await sut.http
      .post('/workflows/upsert')
      .set(user)
      .send({ project_id: 'long-run', name: 'L', status: 1 });

    // create_task: POST execute-async, reads data.executionId when code == "0000"
    const created = await sut.http
      .post('/workflows/execute-async')
      .set({ 'Content-Type': 'application/json', Authorization: `Bearer ${key}` })
      .send({
        project_id: 'long-run',
        exec_position: 'EXECUTOR',
        params: { city: 'Hefei', __sim: { delay_ms: 15_000, progress_steps: 3 } },
      });
    expect(created.body.code).toBe('0000');
    const taskId = created.body.data.executionId as string;

    // query_task_status every 10 s: PENDING continues, COMPLETED ends, anything else aborts
    const seen: string[] = [];
    let result: Record<string, unknown> | undefined;
    for (let poll = 0; poll < 4 && !result; poll++) {
      await sleep(10_000);
      const res = await sut.http.get(`/executions/${taskId}`).set('Authorization', `Bearer ${key}`);
      expect(res.body.code).toBe('0000');
      const { status } = res.body.data.execution;
      seen.push(status);
      expect(['PENDING', 'COMPLETED', 'FAILED']).toContain(status);
      if (status === 'COMPLETED') result = res.body.data.execution.result ?? {};
    }

    expect(seen).toEqual(['PENDING', 'COMPLETED']);
    expect(result?.data).toMatchObject({ city: 'Hefei' });
  }, 60_000);

  it('should stream /rpa/v1/exec as the plugin does, with a plain token and no sid', async () => {
    const user = frontEnd('stream-user');
    const key = (await sut.http.post('/api-keys/create').set(user).send({ name: 'engine' })).body
      .data.api_key as string;
    await sut.http
      .post('/workflows/upsert')
      .set(user)
      .send({ project_id: 'streamed', name: 'S', status: 1 });

    const stream = await openSse(`${sut.url}/rpa/v1/exec`, {
      method: 'POST',
      headers: { Authorization: key },
      body: {
        sid: null,
        project_id: 'streamed',
        version: null,
        phone_number: null,
        exec_position: null,
        params: { n: 1, __sim: { delay_ms: 800 } },
        trace_id: 'ignored',
      },
    });
    await stream.ended;

    expect(stream.status).toBe(200);
    expect(stream.comments.some((c) => /^ping - \d{4}-\d\d-\d\dT[\d:.]+Z$/.test(c))).toBe(true);
    const [final] = stream.json<{ code: number; message: string; sid: string; data: object }>();
    expect(final).toMatchObject({ code: 0, message: 'Success', data: { n: 1 } });
    expect(final.sid).toEqual(expect.any(String));
    expect(final.sid.length).toBeGreaterThan(0);
  });
});

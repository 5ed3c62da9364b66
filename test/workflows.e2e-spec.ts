import { TestApp, startTestApp } from './support/app';

describe('Workflows (e2e)', () => {
  let sut: TestApp;
  beforeAll(async () => {
    sut = await startTestApp();
  });
  afterAll(async () => {
    await sut?.close();
  });

  it('should create then update a workflow by project_id', async () => {
    const created = await sut.http
      .post('/workflows/upsert')
      .set('X-User-Id', 'alice')
      .send({ project_id: 42, name: 'Invoices', parameters: '{"type":"object"}' })
      .expect(200);
    expect(created.body).toMatchObject({
      code: '0000',
      data: {
        action: 'created',
        workflow: { project_id: '42', user_id: 'alice', parameters: { type: 'object' } },
      },
    });
    const rows = await sut.db.query('SELECT project_id, user_id FROM workflows');
    expect(rows).toEqual([{ project_id: '42', user_id: 'alice' }]);
  });
});

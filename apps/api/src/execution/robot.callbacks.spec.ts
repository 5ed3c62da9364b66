import { AppConfig, AppException, parseConfig, signPayload } from '@app/common';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import { ExecutionRepository } from './execution.repository';
import { RobotCallbacks } from './robot.callbacks';
import { callbackToken } from './robot/robot-callback-token';
import { TaskSettlement } from './task.settlement';

const SIGNING = 'callback-signing-secret-0123456789';

describe(RobotCallbacks.name, () => {
  let rows: Map<string, Partial<ExecutionEntity>>;
  let nudged: string[];
  let config: AppConfig;
  let sut: RobotCallbacks;

  const build = (env: Record<string, string> = {}) => {
    config = new AppConfig(parseConfig({ API_KEY_PEPPER: 'unit-test-pepper-0123456789', ...env }));
    const store = { findById: async (id: string) => rows.get(id) ?? null };
    const settlement = { nudge: async (id: string) => void nudged.push(id) };
    sut = new RobotCallbacks(
      store as unknown as ExecutionRepository,
      settlement as unknown as TaskSettlement,
      config,
    );
  };
  const token = (userId = 'u1', id = 'e-1') =>
    callbackToken(config.robot.callbackTokenKey, userId, id);
  const body = (taskId = 't-1') => ({ data: { execution: { id: taskId, status: 'COMPLETED' } } });
  const refusal = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (err: AppException) => err.code,
    );

  beforeEach(() => {
    rows = new Map([
      ['e-1', { id: 'e-1', user_id: 'u1', status: ExecutionStatus.Running, robot_task_id: 't-1' }],
    ]);
    nudged = [];
    build();
  });

  it('should ask for a look now on a valid callback, and do nothing once the run ended', async () => {
    const first = await sut.receive({ executionId: 'e-1', token: token(), body: body() });
    expect(first).toEqual({ execution_id: 'e-1', status: 'RUNNING', looking: true });
    expect(nudged).toEqual(['e-1']);

    rows.get('e-1')!.status = ExecutionStatus.Completed;
    const repeat = await sut.receive({ executionId: 'e-1', token: token(), body: body() });
    expect(repeat).toEqual({ execution_id: 'e-1', status: 'COMPLETED', looking: false });
    expect(nudged).toEqual(['e-1']);
  });

  it('should refuse an unknown run, a token of another user or run, and another task', async () => {
    expect(await refusal(sut.receive({ executionId: 'nope', token: token(), body: body() }))).toBe(
      'EXECUTION_NOT_FOUND',
    );
    const cases: Array<[string | undefined, unknown, string]> = [
      [undefined, body(), 'UNAUTHENTICATED'],
      [token('u2'), body(), 'UNAUTHENTICATED'],
      [token('u1', 'e-2'), body(), 'UNAUTHENTICATED'],
      [token(), body('t-2'), 'FORBIDDEN'],
      [token(), { data: {} }, 'FORBIDDEN'],
    ];
    for (const [given, payload, code] of cases) {
      expect(await refusal(sut.receive({ executionId: 'e-1', token: given, body: payload }))).toBe(
        code,
      );
    }
    expect(nudged).toEqual([]);
  });

  it('should require a valid X-RPA-Signature when ROBOT_CALLBACK_SIGNING_SECRET is set', async () => {
    build({ ROBOT_CALLBACK_SIGNING_SECRET: SIGNING });
    const raw = JSON.stringify(body());
    const now = Math.floor(Date.now() / 1000);
    const call = (signature?: string) =>
      sut.receive({
        executionId: 'e-1',
        token: token(),
        body: body(),
        rawBody: Buffer.from(raw),
        signature,
      });
    expect(await refusal(call())).toBe('UNAUTHENTICATED');
    expect(await refusal(call(signPayload('another-secret-0123456789', raw, now)))).toBe(
      'UNAUTHENTICATED',
    );
    expect(await call(signPayload(SIGNING, raw, now))).toMatchObject({ looking: true });
  });
});

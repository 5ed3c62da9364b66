import { AppException } from '@app/common';
import { WorkflowEntity } from '../workflow';
import { StartBudget } from '../limits';
import { ExecutionEntity, ExecutionStatus } from './entities/execution.entity';
import {
  StartExecutionInput,
  checkIdempotencyKey,
  checkTimeout,
  pendingExecution,
  replayOf,
} from './start-request';
import { startRequestHash } from './start-request-hash';

const workflow = Object.assign(new WorkflowEntity(), { project_id: 'p1', version: '3' });
const input: StartExecutionInput = {
  userId: 'alice',
  projectId: 'p1',
  trigger: 'api',
  budget: StartBudget.ofUser('alice'),
};

describe(pendingExecution.name, () => {
  it('should write a PENDING row with the defaults every route shares', () => {
    const now = new Date('2026-01-01T00:00:00Z');

    const sut = pendingExecution(workflow, input, now);

    expect(sut).toMatchObject({
      project_id: 'p1',
      workflow_version: '3',
      user_id: 'alice',
      status: ExecutionStatus.Pending,
      parameters: {},
      error: null,
      error_code: null,
      exec_position: 'EXECUTOR',
      priority: 5,
      reference: null,
      timeout_ms: null,
      callback_url: null,
      idempotency_key: null,
      idempotency_hash: null,
      created_at: now,
    });
    expect(sut.id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('should carry the options asked for and hash the request under an idempotency key', () => {
    const asked: StartExecutionInput = {
      ...input,
      params: { a: 1 },
      execPosition: 'CLOUD',
      priority: 2,
      reference: 'r',
      timeoutMs: 5000,
      callbackUrl: 'https://example.com/cb',
      idempotencyKey: 'k1',
      retryOf: 'e0',
    };

    const sut = pendingExecution(workflow, asked);

    expect(sut).toMatchObject({
      parameters: { a: 1 },
      exec_position: 'CLOUD',
      priority: 2,
      reference: 'r',
      timeout_ms: 5000,
      callback_url: 'https://example.com/cb',
      idempotency_key: 'k1',
      idempotency_hash: startRequestHash(asked),
      retry_of: 'e0',
    });
  });
});

describe(replayOf.name, () => {
  const stored = (hash: string | null) =>
    Object.assign(new ExecutionEntity(), { id: 'e1', project_id: 'p1', idempotency_hash: hash });

  it('should answer the first run for the same request', () => {
    const sut = replayOf(stored(startRequestHash(input)), input);

    expect(sut.id).toBe('e1');
  });

  it('should refuse another request under the same key', () => {
    expect(() => replayOf(stored(startRequestHash(input)), { ...input, priority: 1 })).toThrow(
      AppException,
    );
  });

  it('should compare rows stored before hashing by workflow only', () => {
    expect(replayOf(stored(null), { ...input, priority: 1 }).id).toBe('e1');
    expect(() => replayOf(stored(null), { ...input, projectId: 'p2' })).toThrow(AppException);
  });
});

describe(checkIdempotencyKey.name, () => {
  it('should take printable ASCII keys and refuse others', () => {
    expect(() => checkIdempotencyKey('order-42')).not.toThrow();
    expect(() => checkIdempotencyKey('')).toThrow(AppException);
    expect(() => checkIdempotencyKey('with space')).toThrow(AppException);
    expect(() => checkIdempotencyKey('x'.repeat(256))).toThrow(AppException);
  });
});

describe(checkTimeout.name, () => {
  it('should refuse a timeout over the service limit', () => {
    expect(() => checkTimeout(undefined, 1000)).not.toThrow();
    expect(() => checkTimeout(1000, 1000)).not.toThrow();
    expect(() => checkTimeout(1001, 1000)).toThrow(AppException);
  });
});

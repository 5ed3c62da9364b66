import { checkReceipt, interpretReceipt, readCapabilities, Receipt } from './executor-managed';

/** A receipt as the platform's engine sends it: Python's isoformat, microseconds and +00:00. */
const receipt = (status: string, changes: Record<string, unknown> = {}) => ({
  protocol: 1,
  executionId: 'exec-1',
  clientId: 'client',
  runId: 'run-1',
  status,
  startedAt: '2026-11-30T09:43:21.123456+00:00',
  finishedAt: ['succeeded', 'failed', 'cancelled', 'timeout'].includes(status)
    ? '2026-11-30T09:45:00.000001+00:00'
    : null,
  result: { value: 0 },
  supportsCancel: true,
  ...changes,
});

describe(readCapabilities.name, () => {
  it('should take a protocol 1 answer with a client id, and nothing else', () => {
    expect(readCapabilities({ protocol: 1, clientId: 'c', supportsCancel: true })).toEqual({
      clientId: 'c',
      supportsCancel: true,
    });
    for (const other of ['func is not exist', { code: '5001', msg: 'x' }, { protocol: 0 }, null]) {
      expect(readCapabilities(other)).toBeNull();
    }
    expect(readCapabilities({ protocol: 1, clientId: '' })).toBeNull();
  });
});

describe(checkReceipt.name, () => {
  it('should accept the receipts of every status the engine sends', () => {
    for (const status of ['running', 'succeeded', 'failed', 'cancelled', 'timeout']) {
      expect(checkReceipt(receipt(status))).toHaveProperty('receipt.status', status);
    }
    const accepted = checkReceipt(receipt('accepted', { runId: null, startedAt: null }));
    expect(accepted).toHaveProperty('receipt.runId', null);
    const cancelledBeforeLaunch = receipt('cancelled', { runId: null, startedAt: null });
    expect(checkReceipt(cancelledBeforeLaunch)).toHaveProperty('receipt.status', 'cancelled');
  });

  it('should refuse a terminal receipt without finishedAt, and running or succeeded ones without a run', () => {
    const refused = [
      receipt('succeeded', { finishedAt: null }),
      receipt('failed', { finishedAt: undefined }),
      receipt('running', { runId: null }),
      receipt('succeeded', { startedAt: null }),
      receipt('timeout', { runId: '' }),
      receipt('succeeded', { finishedAt: '2026-11-30T09:00:00+00:00' }),
      receipt('running', { startedAt: '2026-11-30T09:43:21' }),
      receipt('nearly', {}),
      receipt('running', { protocol: 2 }),
      receipt('running', { clientId: 7 }),
      'EXECUTION_NOT_FOUND',
    ];
    for (const bad of refused) expect(checkReceipt(bad)).toHaveProperty('refused');
  });
});

describe(interpretReceipt.name, () => {
  const read = (status: string, changes: Record<string, unknown> = {}) =>
    interpretReceipt((checkReceipt(receipt(status, changes)) as { receipt: Receipt }).receipt);

  it('should complete with {code "0000", data: result} on succeeded', () => {
    expect(read('succeeded')).toEqual({
      status: 'COMPLETED',
      result: { code: '0000', data: { value: 0 } },
    });
  });

  it('should fail on failed and timeout with the error given, and cancel on cancelled', () => {
    expect(read('failed', { error: 'CLIENT_BUSY' })).toEqual({
      status: 'FAILED',
      error: 'CLIENT_BUSY',
    });
    expect(read('failed')).toMatchObject({ status: 'FAILED', error: expect.any(String) });
    expect(read('timeout')).toMatchObject({
      status: 'FAILED',
      error: expect.stringMatching(/^TIMEOUT/),
    });
    expect(read('cancelled')).toEqual({ status: 'CANCELLED' });
  });
});

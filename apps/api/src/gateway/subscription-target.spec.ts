import { AppException } from '@app/common';
import { parseSubscriptionTarget } from './subscription-target';

describe(parseSubscriptionTarget.name, () => {
  const sut = parseSubscriptionTarget;

  it('should read an execution id', () => {
    expect(sut({ execution_id: 'b3c1a2d4-0000-4000-8000-000000000001' })).toEqual({
      execution_id: 'b3c1a2d4-0000-4000-8000-000000000001',
    });
  });

  it('should read a project id given as a string or a number', () => {
    expect(sut({ project_id: 'invoices' })).toEqual({ project_id: 'invoices' });
    expect(sut({ project_id: 42 })).toEqual({ project_id: '42' });
  });

  it.each([
    undefined,
    null,
    'invoices',
    7,
    [],
    [{ project_id: 'a' }],
    {},
    { execution_id: 'a', project_id: 'b' },
    { execution_id: '' },
    { execution_id: '   ' },
    { execution_id: 1.5 },
    { project_id: -1 },
    { project_id: { $gt: '' } },
    { project_id: 'x'.repeat(101) },
  ])('should refuse %j with VALIDATION_FAILED', (payload) => {
    expect(() => sut(payload)).toThrow(AppException);
    try {
      sut(payload);
    } catch (err) {
      expect((err as AppException).code).toBe('VALIDATION_FAILED');
    }
  });
});

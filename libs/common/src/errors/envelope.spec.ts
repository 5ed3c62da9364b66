import type { Request, Response } from 'express';
import { errorEnvelope, sendErrorEnvelope } from './envelope';

function fakeHttp(requestId?: string) {
  const sent: { status?: number; body?: unknown; headers: Record<string, string> } = {
    headers: {},
  };
  const req = { headers: requestId ? { 'x-request-id': requestId } : {} } as Request;
  const res = {
    headersSent: false,
    setHeader: (name: string, value: string) => (sent.headers[name] = value),
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: unknown) {
      sent.body = body;
      return this;
    },
  } as unknown as Response;
  return { req, res, sent };
}

describe(errorEnvelope.name, () => {
  it("should write the envelope of docs/api.md with the request's id", () => {
    const { req, res } = fakeHttp('req-7');

    const sut = errorEnvelope(req, res, { code: 'NOT_FOUND', message: 'Not found' });

    expect(sut).toEqual({
      code: '5001',
      msg: 'Not found',
      data: null,
      error: 'NOT_FOUND',
      request_id: 'req-7',
    });
  });

  it('should carry field details when there are some', () => {
    const { req, res } = fakeHttp();
    const details = [{ field: 'body', errors: ['too deep'] }];

    const sut = errorEnvelope(req, res, { code: 'VALIDATION_FAILED', message: 'bad', details });

    expect(sut.details).toEqual(details);
    expect(sut.request_id).toMatch(/\S+/);
  });
});

describe(sendErrorEnvelope.name, () => {
  it('should answer with the status and the envelope, echoing the request id', () => {
    const { req, res, sent } = fakeHttp('req-8');

    sendErrorEnvelope(req, res, 503, { code: 'SERVICE_UNAVAILABLE', message: 'shutting down' });

    expect(sent.status).toBe(503);
    expect(sent.body).toMatchObject({
      code: '5001',
      error: 'SERVICE_UNAVAILABLE',
      msg: 'shutting down',
    });
    expect(sent.headers['X-Request-ID']).toBe('req-8');
  });
});

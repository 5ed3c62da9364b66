import { QueryFailedError } from 'typeorm';
import {
  ArgumentsHost,
  BadRequestException,
  ForbiddenException,
  HttpException,
  InternalServerErrorException,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { AllExceptionsFilter, normaliseError } from './all-exceptions.filter';
import { AppException } from './app.exception';
import { markLegacyRequest } from './legacy';

/** What body-parser hands to express's error handling. */
const bodyParserError = (status: number, type: string) =>
  Object.assign(new Error('raw parser message'), { status, statusCode: status, type });

describe(normaliseError.name, () => {
  it('should keep an AppException as it is', () => {
    const details = [{ field: 'name', errors: ['name must be a string'] }];
    const sut = normaliseError(
      new AppException('RATE_LIMITED', 'Slow down', details, { 'Retry-After': '3' }),
    );

    expect(sut).toEqual({
      status: 429,
      code: 'RATE_LIMITED',
      message: 'Slow down',
      details,
      headers: { 'Retry-After': '3' },
    });
  });

  it('should map the validation helper to 400 VALIDATION_FAILED with every field', () => {
    const sut = normaliseError(
      AppException.validation([
        { field: 'a', errors: ['x'] },
        { field: 'b', errors: ['y', 'z'] },
      ]),
    );

    expect(sut).toMatchObject({ status: 400, code: 'VALIDATION_FAILED' });
    expect(sut.message).toBe('Validation failed: a: x; b: y, z');
    expect(sut.details?.map((d) => d.field)).toEqual(['a', 'b']);
  });

  it.each([
    [new NotFoundException('Cannot GET /nowhere'), 404, 'NOT_FOUND', 'Cannot GET /nowhere'],
    [new ForbiddenException('no'), 403, 'FORBIDDEN', 'no'],
    [
      new BadRequestException(['a is bad', 'b is bad']),
      400,
      'VALIDATION_FAILED',
      'a is bad; b is bad',
    ],
    [new HttpException('Gone', 410), 410, 'VALIDATION_FAILED', 'Gone'],
    [new HttpException({ message: 'Too many' }, 429), 429, 'RATE_LIMITED', 'Too many'],
  ])('should map Nest HTTP exception %# to its status and code', (error, status, code, message) => {
    expect(normaliseError(error)).toEqual({ status, code, message });
  });

  it('should hide the message of a 5xx HTTP exception', () => {
    const sut = normaliseError(new InternalServerErrorException('SELECT * FROM secrets failed'));

    expect(sut).toEqual({ status: 500, code: 'INTERNAL', message: 'Internal server error' });
  });

  it('should answer 413 PAYLOAD_TOO_LARGE for a body over the limit', () => {
    expect(normaliseError(bodyParserError(413, 'entity.too.large'))).toEqual({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'Request body is too large',
    });
  });

  it('should answer 400 for a body that is not JSON', () => {
    expect(normaliseError(bodyParserError(400, 'entity.parse.failed'))).toEqual({
      status: 400,
      code: 'VALIDATION_FAILED',
      message: 'Request body is not valid JSON',
    });
  });

  it.each(['encoding.unsupported', 'charset.unsupported'])('should answer 415 for %s', (type) => {
    expect(normaliseError(bodyParserError(415, type))).toMatchObject({
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    });
  });

  it('should read the body-parser error Nest wraps in an HTTP exception', () => {
    const parseError = Object.assign(
      new SyntaxError('Unexpected token \'r\', "rpa_secret" is not valid JSON'),
      {
        status: 400,
        type: 'entity.parse.failed',
      },
    );
    const tooLarge = bodyParserError(413, 'entity.too.large');

    const sut = [
      normaliseError(new BadRequestException(parseError.message, { cause: parseError })),
      normaliseError(new HttpException('request entity too large', 413, { cause: tooLarge })),
    ];

    expect(sut).toEqual([
      { status: 400, code: 'VALIDATION_FAILED', message: 'Request body is not valid JSON' },
      { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'Request body is too large' },
    ]);
  });

  it('should keep another 4xx from middleware without its raw message', () => {
    expect(normaliseError(bodyParserError(403, 'something.else'))).toEqual({
      status: 403,
      code: 'FORBIDDEN',
      message: 'Bad request',
    });
  });

  it.each([
    ['a plain error', new Error('ER_PARSE_ERROR near SELECT')],
    ['a 5xx middleware error', bodyParserError(500, 'stream.broken')],
    ['a thrown string', 'boom'],
    ['nothing', undefined],
  ])('should answer 500 INTERNAL without details for %s', (_, error) => {
    expect(normaliseError(error)).toEqual({
      status: 500,
      code: 'INTERNAL',
      message: 'Internal server error',
    });
  });
});

describe(AllExceptionsFilter.name, () => {
  let sut: AllExceptionsFilter;
  let logged: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    sut = new AllExceptionsFilter();
    logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  function fakeHttp(options: { legacy?: boolean; requestId?: string; headersSent?: boolean } = {}) {
    const req = { headers: options.requestId ? { 'x-request-id': options.requestId } : {} };
    if (options.legacy) markLegacyRequest(req);
    const sent: { status?: number; body?: unknown; headers: Record<string, string> } = {
      headers: {},
    };
    const res = {
      headersSent: options.headersSent ?? false,
      writableEnded: false,
      ended: false,
      setHeader: (name: string, value: string) => (sent.headers[name] = value),
      set: (headers: Record<string, string>) => Object.assign(sent.headers, headers),
      status(code: number) {
        sent.status = code;
        return this;
      },
      json: (body: unknown) => (sent.body = body),
      end() {
        this.ended = true;
      },
    };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }),
    } as unknown as ArgumentsHost;
    return { host, sent, res };
  }

  it('should log a failed query without its parameters or the SQL they were inlined in', () => {
    const driverError = Object.assign(new Error("Incorrect datetime value: '275760-09-13'"), {
      code: 'ER_TRUNCATED_WRONG_VALUE',
      sqlMessage: "Incorrect datetime value: '275760-09-13'",
      sql: "INSERT INTO api_keys (prefix, hash) VALUES ('rpa_ab12', 'deadbeefcafe')",
    });
    const error = new QueryFailedError(
      'INSERT INTO api_keys (prefix, hash) VALUES (?, ?)',
      ['rpa_ab12', 'deadbeefcafe'],
      driverError,
    );
    const { host, sent } = fakeHttp();

    sut.catch(error, host);

    expect(sent.status).toBe(500);
    const line = JSON.stringify(logged.mock.calls);
    expect(line).toContain('ER_TRUNCATED_WRONG_VALUE');
    expect(line).toContain('INSERT INTO api_keys (prefix, hash) VALUES (?, ?)');
    expect(line).not.toContain('rpa_ab12');
    expect(line).not.toContain('deadbeefcafe');
  });

  it('should answer the error envelope with the request id', () => {
    const { host, sent } = fakeHttp({ requestId: 'req-1' });

    sut.catch(new AppException('WORKFLOW_NOT_FOUND', 'Workflow 7 not found'), host);

    expect(sent.status).toBe(404);
    expect(sent.body).toEqual({
      code: '5001',
      msg: 'Workflow 7 not found',
      data: null,
      error: 'WORKFLOW_NOT_FOUND',
      request_id: 'req-1',
    });
    expect(sent.headers['X-Request-ID']).toBe('req-1');
  });

  it('should list field errors in details', () => {
    const { host, sent } = fakeHttp();

    sut.catch(AppException.validation([{ field: 'name', errors: ['too long'] }]), host);

    expect(sent.status).toBe(400);
    expect(sent.body).toMatchObject({ details: [{ field: 'name', errors: ['too long'] }] });
  });

  it.each([
    ['WORKFLOW_NOT_FOUND', 200],
    ['CONFLICT', 200],
    ['FORBIDDEN', 403],
    ['UNAUTHENTICATED', 401],
    ['VALIDATION_FAILED', 400],
    ['PAYLOAD_TOO_LARGE', 413],
    ['INTERNAL', 500],
  ] as const)('should answer %s on a legacy route with HTTP %i', (code, status) => {
    const { host, sent } = fakeHttp({ legacy: true });

    sut.catch(new AppException(code, 'msg'), host);

    expect(sent.status).toBe(status);
    expect(sent.body).toMatchObject({ code: '5001', error: code });
  });

  it('should keep the true status of a business error off the legacy routes', () => {
    const { host, sent } = fakeHttp();

    sut.catch(new AppException('CONFLICT', 'taken'), host);

    expect(sent.status).toBe(409);
  });

  it('should set the headers an exception carries', () => {
    const { host, sent } = fakeHttp();

    sut.catch(new AppException('RATE_LIMITED', 'slow', undefined, { 'Retry-After': '2' }), host);

    expect(sent.headers['Retry-After']).toBe('2');
  });

  it('should log a 5xx and answer it without its cause', () => {
    const { host, sent } = fakeHttp();

    sut.catch(new Error('ER_DUP_ENTRY: INSERT INTO api_keys ...'), host);

    expect(sent.status).toBe(500);
    expect(JSON.stringify(sent.body)).not.toContain('api_keys');
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('should log a 5xx the code chose as a warning without a stack', () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const { host, sent } = fakeHttp();

    sut.catch(new AppException('SERVICE_UNAVAILABLE', 'Not ready: redis unreachable'), host);

    expect(sent.status).toBe(503);
    expect(warned).toHaveBeenCalledWith('SERVICE_UNAVAILABLE: Not ready: redis unreachable');
    expect(logged).not.toHaveBeenCalled();
  });

  it('should not log a 4xx', () => {
    const warned = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);

    sut.catch(new AppException('NOT_FOUND', 'nope'), fakeHttp().host);

    expect(logged).not.toHaveBeenCalled();
    expect(warned).not.toHaveBeenCalled();
  });

  it('should only end a response whose headers are already sent (a stream)', () => {
    const { host, sent, res } = fakeHttp({ headersSent: true });

    sut.catch(new Error('stream broke'), host);

    expect(res.ended).toBe(true);
    expect(sent.status).toBeUndefined();
    expect(sent.body).toBeUndefined();
  });

  it('should rethrow outside HTTP', () => {
    const host = { getType: () => 'ws' } as unknown as ArgumentsHost;
    const error = new Error('socket');

    expect(() => sut.catch(error, host)).toThrow(error);
  });
});

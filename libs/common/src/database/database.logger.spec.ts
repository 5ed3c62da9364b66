import { Logger } from '@nestjs/common';
import { DatabaseLogger } from './database.logger';

describe(DatabaseLogger.name, () => {
  let sut: DatabaseLogger;
  let debug: ReturnType<typeof vi.spyOn>;
  let warn: ReturnType<typeof vi.spyOn>;

  beforeEach(() => {
    sut = new DatabaseLogger();
    debug = vi.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
    warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => vi.restoreAllMocks());

  it('should log a failed query at debug level without its parameters', () => {
    sut.logQueryError(
      new Error("Duplicate entry 'p1' for key 'PRIMARY'"),
      'INSERT INTO `workflows`(`project_id`, `user_id`)\n    VALUES (?, ?)',
      ['p1', 'secret-param'],
    );

    expect(debug).toHaveBeenCalledWith(
      "Query failed: Duplicate entry 'p1' for key 'PRIMARY' [INSERT INTO `workflows`(`project_id`, `user_id`) VALUES (?, ?)]",
    );
    expect(JSON.stringify(debug.mock.calls)).not.toContain('secret-param');
  });

  it('should clip a long query', () => {
    sut.logQuerySlow(1200, `SELECT ${'x, '.repeat(500)}y FROM t`, ['secret-param']);

    const [message] = warn.mock.calls[0] as [string];
    expect(message.startsWith('Slow query (1200 ms): SELECT x, x,')).toBe(true);
    expect(message.length).toBeLessThan(400);
    expect(message).not.toContain('secret-param');
  });

  it('should not log successful queries', () => {
    sut.logQuery();

    expect(debug).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});

import { LoggerService } from '@nestjs/common';
import { StartupDetailLogger } from './startup-detail-logger';

describe(StartupDetailLogger.name, () => {
  const inner = { log: vi.fn(), debug: vi.fn(), error: vi.fn(), warn: vi.fn() };
  const sut = new StartupDetailLogger(inner as unknown as LoggerService);

  beforeEach(() => vi.clearAllMocks());

  it.each(['RouterExplorer', 'RoutesResolver', 'InstanceLoader'])(
    'should log the start-up detail of %s at debug',
    (context) => {
      sut.log('Mapped {/health, GET} route', context);
      expect(inner.debug).toHaveBeenCalledWith('Mapped {/health, GET} route', context);
      expect(inner.log).not.toHaveBeenCalled();
    },
  );

  it('should leave every other line at its level', () => {
    sut.log('listening on http://127.0.0.1:8020', 'Bootstrap');
    sut.warn('careful', 'RouterExplorer');
    expect(inner.log).toHaveBeenCalledWith('listening on http://127.0.0.1:8020', 'Bootstrap');
    expect(inner.warn).toHaveBeenCalledWith('careful', 'RouterExplorer');
    expect(inner.debug).not.toHaveBeenCalled();
  });
});

import { AppConfig } from './app-config';
import { parseConfig } from './config.loader';
import { ConfigError } from './config.schema';

const tracingOf = (raw: Record<string, string>) =>
  new AppConfig(parseConfig({ API_KEY_PEPPER: 'unit-test-pepper-0123456789', ...raw })).tracing;

describe('AppConfig.tracing', () => {
  it('should be off when no exporter and no endpoint is set', () => {
    expect(tracingOf({}).exporter).toBeNull();
  });

  it('should export over OTLP when only an endpoint is set, at its /v1/traces', () => {
    const sut = tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' });
    expect(sut.exporter).toBe('otlp');
    expect(sut.otlpUrl).toBe('http://collector:4318/v1/traces');
  });

  it('should take the traces endpoint as given', () => {
    const sut = tracingOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:9999/custom',
    });
    expect(sut.otlpUrl).toBe('http://traces:9999/custom');
  });

  it.each([
    ['none', { OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }],
    ['the SDK disabled', { OTEL_SDK_DISABLED: 'true', OTEL_TRACES_EXPORTER: 'otlp' }],
  ])('should stay off with %s', (_, raw) => {
    expect(tracingOf(raw).exporter).toBeNull();
  });

  it('should export to the console or the default OTLP URL when named', () => {
    expect(tracingOf({ OTEL_TRACES_EXPORTER: 'console' }).exporter).toBe('console');
    const otlp = tracingOf({ OTEL_TRACES_EXPORTER: 'otlp' });
    expect(otlp).toMatchObject({ exporter: 'otlp', otlpUrl: 'http://localhost:4318/v1/traces' });
  });

  it('should parse headers, service name and sampler', () => {
    const sut = tracingOf({
      OTEL_EXPORTER_OTLP_HEADERS: 'api-key=s%3Dcret, x-tenant=blue',
      OTEL_SERVICE_NAME: 'rpa-api-eu',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(sut).toMatchObject({
      otlpHeaders: { 'api-key': 's=cret', 'x-tenant': 'blue' },
      serviceName: 'rpa-api-eu',
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.25,
    });
  });

  it.each([
    ['an unknown exporter', { OTEL_TRACES_EXPORTER: 'zipkin' }, 'OTEL_TRACES_EXPORTER'],
    ['a ratio above 1', { OTEL_TRACES_SAMPLER_ARG: '2' }, 'OTEL_TRACES_SAMPLER_ARG'],
    [
      'a header without a name',
      { OTEL_EXPORTER_OTLP_HEADERS: '=secret' },
      'OTEL_EXPORTER_OTLP_HEADERS',
    ],
  ])('should refuse %s, naming the key and never the header values', (_, raw, key) => {
    let error: unknown;
    try {
      tracingOf(raw);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(key);
    expect((error as Error).message).not.toContain('secret');
  });
});

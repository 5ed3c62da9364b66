import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, Type } from '@nestjs/common';
import { configuredProcessor } from './configured-processor';

@Injectable()
class SampleProcessor extends WorkerHost {
  process(): Promise<void> {
    return Promise.resolve();
  }
}

// Where @nestjs/bullmq's explorer reads what @Processor declared.
const declared = (type: Type, key: 'processor' | 'worker'): unknown =>
  Reflect.getMetadata(`bullmq:${key}_metadata`, type);

describe(configuredProcessor.name, () => {
  const options = { concurrency: 7, lockDuration: 12_000, maxStalledCount: 3 };

  it('should provide a subclass under the base class, so the base is what others inject', () => {
    const sut = configuredProcessor(SampleProcessor, 'samples', options);

    expect(sut.provide).toBe(SampleProcessor);
    expect(sut.useClass.prototype).toBeInstanceOf(SampleProcessor);
    expect(sut.useClass.name).toBe('ConfiguredSampleProcessor');
  });

  it('should declare the queue and its worker options on the subclass only', () => {
    const sut = configuredProcessor(SampleProcessor, 'samples', options);

    expect(declared(sut.useClass, 'processor')).toMatchObject({ name: 'samples' });
    expect(declared(sut.useClass, 'worker')).toEqual(options);
    expect(declared(SampleProcessor, 'processor')).toBeUndefined();
  });

  it('should decorate a new subclass each time, so two configurations never share one', () => {
    const first = configuredProcessor(SampleProcessor, 'samples', options);
    const second = configuredProcessor(SampleProcessor, 'samples', { concurrency: 1 });

    expect(first.useClass).not.toBe(second.useClass);
    expect(declared(first.useClass, 'worker')).toEqual(options);
  });
});

import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { ClassProvider, Type } from '@nestjs/common';
import type { WorkerOptions } from 'bullmq';

/** A processor's BullMQ worker options; the connection is the application's (BullModule). */
export type ProcessorWorkerOptions = Omit<WorkerOptions, 'connection'>;

/**
 * Provides `base` as the processor of `queue`, with worker options from configuration.
 * `@Processor` takes its options when a class is decorated, and configuration is known only
 * when the application's modules are built, so a subclass is decorated then. It is provided
 * under the base class, which is what other providers and specs ask for.
 */
export function configuredProcessor<T extends WorkerHost>(
  base: Type<T>,
  queue: string,
  options: ProcessorWorkerOptions,
): ClassProvider<T> {
  @Processor(queue, options)
  class ConfiguredProcessor extends (base as Type<object>) {}
  Object.defineProperty(ConfiguredProcessor, 'name', { value: `Configured${base.name}` });
  return { provide: base, useClass: ConfiguredProcessor as Type<T> };
}

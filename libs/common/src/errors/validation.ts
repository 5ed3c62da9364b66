import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { AppException, FieldError } from './app.exception';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own: FieldError[] = error.constraints
      ? [{ field, errors: Object.values(error.constraints) }]
      : [];
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

const LENIENT_INPUT = Symbol('rpa.lenient-input');

/**
 * Marks a request DTO of the legacy surface: unknown fields are dropped instead of refused,
 * and a top-level `''` counts as "not given" (the platform's front end sends `''` for every
 * empty field). What the DTO declares is still validated.
 */
export const LenientInput = (): ClassDecorator => (target) => {
  Reflect.defineMetadata(LENIENT_INPUT, true, target);
};

const isLenient = (metatype: unknown): boolean =>
  typeof metatype === 'function' && Reflect.getMetadata(LENIENT_INPUT, metatype) === true;

function withoutEmptyStrings(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== ''));
}

const exceptionFactory = (errors: ValidationError[]) => AppException.validation(flatten(errors));

/**
 * The pipe of DEVELOPERS.md, answering VALIDATION_FAILED with every bad field listed; DTOs
 * marked @LenientInput() get the legacy clients' leniency.
 */
class AppValidationPipe extends ValidationPipe {
  private readonly lenient = new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: false,
    transform: true,
    exceptionFactory,
  });

  override transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (isLenient(metadata.metatype)) {
      return this.lenient.transform(withoutEmptyStrings(value), metadata) as Promise<unknown>;
    }
    return super.transform(value, metadata) as Promise<unknown>;
  }
}

export function createValidationPipe(): ValidationPipe {
  return new AppValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory,
  });
}

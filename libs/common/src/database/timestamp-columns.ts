import { Column, CreateDateColumn } from 'typeorm';

/** Set on insert, millisecond precision. */
export const CreatedAtColumn = (): PropertyDecorator =>
  CreateDateColumn({ type: 'datetime', precision: 3 });

/**
 * Maintained by MySQL (ON UPDATE CURRENT_TIMESTAMP(3)): TypeORM's UpdateDateColumn would write
 * whole seconds.
 */
export const UpdatedAtColumn = (): PropertyDecorator =>
  Column({
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  });

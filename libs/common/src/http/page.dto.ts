import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { LenientInput } from '../errors/validation';

export const MAX_PAGE_NO = 1_000_000;

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_NO, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // Beyond this the offset is no longer a number the database takes (pageNo=1e300).
  @Max(MAX_PAGE_NO)
  pageNo: number = 1;

  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize: number = 20;
}

/** Paging of the legacy routes: unknown query parameters are ignored. */
@LenientInput()
export class LenientPageQueryDto extends PageQueryDto {}

export interface Page<T> {
  total: number;
  records: T[];
}

export const pageWindow = (q: PageQueryDto) => ({
  skip: (q.pageNo - 1) * q.pageSize,
  take: q.pageSize,
});

/** A page of entities as a page of response DTOs. */
export const mapPage = <T, R>(page: Page<T>, map: (record: T) => R): Page<R> => ({
  total: page.total,
  records: page.records.map((record) => map(record)),
});

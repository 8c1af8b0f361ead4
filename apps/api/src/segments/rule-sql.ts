import { ClickHouseClient } from '@cdp/clickhouse';
import { compileSegmentQuery } from '@cdp/clickhouse/rules';
import { DEFAULT_TRAITS_CONFIG, type Rule } from '@cdp/domain';
import { Injectable } from '@nestjs/common';
import { SegmentsRepository } from './segments.repository';

/**
 * Rules -> ClickHouse SELECTs of member profile ids through the shared compiler
 * (libs/clickhouse/src/rules); `inSegment` reads the referenced segment's current members
 * from segment_transitions.
 */
@Injectable()
export class RuleSql {
  constructor(
    private readonly clickhouse: ClickHouseClient,
    private readonly segments: SegmentsRepository,
  ) {}

  compile(rule: Rule, now: number, profileIds?: readonly string[]): string {
    return compileSegmentQuery(rule, {
      database: this.clickhouse.database,
      now,
      traitsConfig: DEFAULT_TRAITS_CONFIG,
      ...(profileIds === undefined ? {} : { profileIds }),
      segmentSql: (id) => this.segments.membersSql(id),
    });
  }
}

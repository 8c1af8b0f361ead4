import { ClickHouseClient } from '@cdp/clickhouse';
import { compileSegmentQuery } from '@cdp/clickhouse/rules';
import type { Rule, TraitsConfig } from '@cdp/domain';
import { Injectable } from '@nestjs/common';
import { ApiEnv } from '../api.env';
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
    env: ApiEnv,
  ) {
    this.traitsConfig = env.traitsConfig();
  }

  /** TRAITS_CONFIG: the thresholds the segmenter evaluates with. */
  readonly traitsConfig: TraitsConfig;

  compile(rule: Rule, now: number, profileIds?: readonly string[]): string {
    return compileSegmentQuery(rule, {
      database: this.clickhouse.database,
      now,
      traitsConfig: this.traitsConfig,
      ...(profileIds === undefined ? {} : { profileIds }),
      segmentSql: (id) => this.segments.membersSql(id),
    });
  }
}

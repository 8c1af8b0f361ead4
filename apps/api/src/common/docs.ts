import { applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';

/** `{ error, message, errors: [{ path, message }] }`: every 4xx/5xx of the api. */
export class FieldProblemDoc {
  @ApiProperty({ example: 'rule.all[0].count.gte' }) path!: string;
  @ApiProperty({ example: 'must be a number' }) message!: string;
}

export class ErrorDoc {
  @ApiProperty({
    enum: [
      'validation',
      'auth',
      'not_found',
      'conflict',
      'kafka_unavailable',
      'storage_unavailable',
      'segmenter_unavailable',
      'internal',
    ],
  })
  error!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ type: [FieldProblemDoc] }) errors!: FieldProblemDoc[];
}

export class SegmentBodyDoc {
  @ApiProperty({ example: 'loyal-buyers', description: 'slug: a-z, 0-9 and -, 1-128 characters' })
  id!: string;
  @ApiProperty({ example: 'Loyal buyers' }) name!: string;
  @ApiPropertyOptional() description?: string;
  @ApiPropertyOptional({ enum: ['active', 'draft', 'archived'], default: 'active' }) status?: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: 'rule of contract section 6',
    example: { all: [{ event: 'Order Completed', within: { days: 180 }, count: { gte: 3 } }] },
  })
  rule!: Record<string, unknown>;
  @ApiPropertyOptional() exitOnArchive?: boolean;
}

export class SegmentDoc extends SegmentBodyDoc {
  @ApiProperty({ example: 1 }) version!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class SegmentListDoc {
  @ApiProperty({ type: [SegmentDoc] }) segments!: SegmentDoc[];
}

export class PreviewBodyDoc {
  @ApiProperty({ type: 'object', additionalProperties: true }) rule!: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'an existing segment: also answer how many would enter and exit' })
  id?: string;
  @ApiPropertyOptional({ default: 10, minimum: 0, maximum: 100 }) sampleSize?: number;
  @ApiPropertyOptional({ format: 'date-time', description: 'evaluation instant (default now)' }) at?: string;
}

export class ReasonDoc {
  @ApiProperty() condition!: string;
  @ApiProperty({ description: 'the value the condition saw' }) actual!: unknown;
  @ApiProperty() result!: boolean;
}

export class SampleMemberDoc {
  @ApiProperty() profileId!: string;
  @ApiProperty() member!: boolean;
  @ApiProperty({ type: [ReasonDoc] }) reason!: ReasonDoc[];
}

export class PreviewChangeDoc {
  @ApiProperty() segmentId!: string;
  @ApiProperty() version!: number;
  @ApiProperty() currentMembers!: number;
  @ApiProperty() entering!: number;
  @ApiProperty() exiting!: number;
}

export class PreviewDoc {
  @ApiProperty() count!: number;
  @ApiProperty({ type: [SampleMemberDoc] }) sample!: SampleMemberDoc[];
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiPropertyOptional({ type: PreviewChangeDoc }) change?: PreviewChangeDoc;
}

export class MemberDoc {
  @ApiProperty() profileId!: string;
  @ApiProperty({ format: 'date-time' }) enteredAt!: string;
  @ApiProperty() version!: number;
}

export class MembersDoc {
  @ApiProperty() segmentId!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ type: [MemberDoc] }) members!: MemberDoc[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class DayDoc {
  @ApiProperty({ example: '2026-11-01' }) day!: string;
  @ApiProperty() entered!: number;
  @ApiProperty() exited!: number;
  @ApiProperty({ description: 'members at the end of the day' }) size!: number;
}

export class HistoryDoc {
  @ApiProperty() segmentId!: string;
  @ApiProperty({ type: [DayDoc] }) days!: DayDoc[];
}

export class PerformanceGroupDoc {
  @ApiProperty({ enum: ['members', 'nonMembers', 'holdout', 'treated'] }) group!: string;
  @ApiProperty() profiles!: number;
  @ApiProperty() converted!: number;
  @ApiProperty() conversionRate!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) revenue!: Record<string, number>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) revenuePerProfile!: Record<
    string,
    number
  >;
}

export class PerformanceDoc {
  @ApiProperty() segmentId!: string;
  @ApiProperty({ format: 'date-time' }) from!: string;
  @ApiProperty({ format: 'date-time' }) to!: string;
  @ApiProperty({ type: [PerformanceGroupDoc] }) groups!: PerformanceGroupDoc[];
  @ApiProperty({ type: PerformanceGroupDoc, nullable: true }) holdout!: PerformanceGroupDoc | null;
}

export class GridCellDoc {
  @ApiProperty() row!: string;
  @ApiProperty() col!: string;
  @ApiProperty() count!: number;
  @ApiProperty() converted!: number;
  @ApiProperty() conversionRate!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) revenue!: Record<string, number>;
}

export class GridTotalDoc {
  @ApiProperty() key!: string;
  @ApiProperty() count!: number;
  @ApiProperty() converted!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) revenue!: Record<string, number>;
}

export class GridDoc {
  @ApiProperty() rows!: string;
  @ApiProperty() cols!: string;
  @ApiProperty({ type: [String] }) rowKeys!: string[];
  @ApiProperty({ type: [String] }) colKeys!: string[];
  @ApiProperty({ type: [GridCellDoc] }) cells!: GridCellDoc[];
  @ApiProperty({ type: [GridTotalDoc] }) rowTotals!: GridTotalDoc[];
  @ApiProperty({ type: [GridTotalDoc] }) colTotals!: GridTotalDoc[];
  @ApiProperty({ type: GridTotalDoc }) total!: GridTotalDoc;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class GridSegmentBodyDoc {
  @ApiProperty({ example: 'lifecycleStage' }) rows!: string;
  @ApiProperty({ example: 'acquisitionChannel' }) cols!: string;
  @ApiProperty({ example: 'loyal' }) row!: string;
  @ApiProperty({ example: 'social' }) col!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) filter?: Record<string, unknown>;
  @ApiProperty({ example: 'loyal-social' }) id!: string;
  @ApiPropertyOptional() name?: string;
  @ApiPropertyOptional({ enum: ['active', 'draft'] }) status?: string;
}

export class ProfileDoc {
  @ApiProperty() profileId!: string;
  @ApiProperty({ type: [String] }) mergedProfileIds!: string[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  identities!: object[];
  @ApiProperty({ type: 'object', additionalProperties: true }) traits!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true }) computedTraits!: Record<string, unknown>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  aggregates!: object[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) segments!: object[];
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } })
  recentEvents!: object[];
}

export class ErasureDoc {
  @ApiProperty() profileId!: string;
  @ApiProperty({ type: [String] }) profileIds!: string[];
  @ApiProperty() identifiers!: number;
  @ApiProperty({ type: [String] }) tables!: string[];
  @ApiProperty() exitsEmitted!: number;
  @ApiProperty() suppressed!: number;
}

/** Bearer auth plus the error answers every admin route can give. */
export const AdminRoute = () =>
  applyDecorators(
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ type: ErrorDoc, description: 'missing or invalid bearer token' }),
    ApiResponse({ status: 400, type: ErrorDoc, description: 'invalid request: every bad field named' }),
  );

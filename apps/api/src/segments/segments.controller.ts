import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  HttpStatus,
  Param,
  Post,
  Put,
  Query,
  Res,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { SegmentDefinition } from '@cdp/domain/segments';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiErrorFilter } from '../common/api-errors';
import {
  AdminRoute,
  HistoryDoc,
  MembersDoc,
  PerformanceDoc,
  PreviewBodyDoc,
  PreviewDoc,
  SegmentBodyDoc,
  SegmentDoc,
  SegmentListDoc,
} from '../common/docs';
import { instantParam, invalid, limitParam } from '../common/http';
import { SegmentsService, type PerformanceAnswer } from './segments.service';

const DAY = 86400000;

/** Segment definitions, preview, members, history and performance (contract section 6). */
@ApiTags('segments')
@AdminRoute()
@Controller('v1/segments')
@UseGuards(AdminTokenGuard)
@UseFilters(ApiErrorFilter)
export class SegmentsController {
  constructor(private readonly segments: SegmentsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiBody({ type: SegmentBodyDoc })
  @ApiCreatedResponse({ type: SegmentDoc })
  create(@Body() body: unknown): Promise<SegmentDefinition> {
    return this.segments.create(body);
  }

  @Get()
  @ApiOkResponse({ type: SegmentListDoc })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'draft', 'archived'] })
  async list(@Query('status') status?: string): Promise<{ segments: SegmentDefinition[] }> {
    if (status !== undefined && !['active', 'draft', 'archived'].includes(status)) {
      throw invalid([{ path: 'status', message: 'must be one of active, draft, archived' }]);
    }
    const all = await this.segments.list();
    return { segments: status === undefined ? all : all.filter((d) => d.status === status) };
  }

  @Post('preview')
  @HttpCode(HttpStatus.OK)
  @ApiBody({ type: PreviewBodyDoc })
  @ApiOkResponse({ type: PreviewDoc })
  preview(@Body() body: unknown) {
    return this.segments.preview(body);
  }

  @Get(':id')
  @ApiOkResponse({ type: SegmentDoc })
  get(@Param('id') id: string): Promise<SegmentDefinition> {
    return this.segments.get(id);
  }

  @Put(':id')
  @ApiBody({ type: SegmentBodyDoc })
  @ApiOkResponse({ type: SegmentDoc, description: 'the new version' })
  update(@Param('id') id: string, @Body() body: unknown): Promise<SegmentDefinition> {
    return this.segments.update(id, body);
  }

  @Delete(':id')
  @ApiOkResponse({ type: SegmentDoc, description: 'archived (a new version with status archived)' })
  archive(@Param('id') id: string): Promise<SegmentDefinition> {
    return this.segments.archive(id);
  }

  @Get(':id/members')
  @ApiOkResponse({ type: MembersDoc })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 100' })
  @ApiQuery({ name: 'cursor', required: false, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'at', required: false, description: 'ISO 8601 instant: membership at that moment' })
  members(
    @Param('id') id: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('at') at?: string,
  ) {
    return this.segments.members(
      id,
      instantParam(at, 'at'),
      cursor === undefined || cursor === '' ? undefined : cursor,
      limitParam(limit, 'limit', 100, 1000),
    );
  }

  @Get(':id/history')
  @ApiOkResponse({ type: HistoryDoc, description: 'per UTC day: entries, exits, size at the end of the day' })
  @ApiQuery({ name: 'from', required: false })
  @ApiQuery({ name: 'to', required: false })
  history(@Param('id') id: string, @Query('from') from?: string, @Query('to') to?: string) {
    return this.segments.history(id, instantParam(from, 'from'), instantParam(to, 'to'));
  }

  @Get(':id/performance')
  @ApiOkResponse({ type: PerformanceDoc })
  @ApiProduces('application/json', 'text/csv')
  @ApiQuery({ name: 'from', required: false, description: 'default: 30 days before to' })
  @ApiQuery({ name: 'to', required: false, description: 'default: now' })
  @ApiQuery({ name: 'format', required: false, enum: ['json', 'csv'] })
  async performance(
    @Param('id') id: string,
    @Res({ passthrough: true }) res: Response,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('format') format?: string,
  ): Promise<PerformanceAnswer | string> {
    if (format !== undefined && format !== 'json' && format !== 'csv') {
      throw invalid([{ path: 'format', message: 'must be json or csv' }]);
    }
    const end = instantParam(to, 'to') ?? Date.now();
    const start = instantParam(from, 'from') ?? end - 30 * DAY;
    const answer = await this.segments.performance(id, start, end);
    if (format !== 'csv') return answer;
    res.setHeader('content-type', 'text/csv; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${id}-performance.csv"`);
    return performanceCsv(answer);
  }
}

export function performanceCsv(a: PerformanceAnswer): string {
  const lines = [
    'segment,from,to,group,profiles,converted,conversion_rate,currency,revenue,revenue_per_profile',
  ];
  for (const g of a.groups) {
    const currencies = Object.keys(g.revenue);
    for (const cur of currencies.length === 0 ? [''] : currencies) {
      lines.push(
        [
          a.segmentId,
          a.from,
          a.to,
          g.group,
          g.profiles,
          g.converted,
          g.conversionRate,
          cur,
          g.revenue[cur] ?? 0,
          g.revenuePerProfile[cur] ?? 0,
        ]
          .map((v) => csvCell(String(v)))
          .join(','),
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

const csvCell = (v: string): string => (/[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

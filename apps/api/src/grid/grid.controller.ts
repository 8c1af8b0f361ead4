import {
  Body,
  Controller,
  Get,
  HttpCode,
  HttpStatus,
  Post,
  Query,
  UseFilters,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiErrorFilter } from '../common/api-errors';
import { AdminRoute, GridDoc, GridSegmentBodyDoc, SegmentDoc } from '../common/docs';
import { jsonParam } from '../common/http';
import { GridService } from './grid.service';

/** The segment grid (target-market grid) and cell -> segment. */
@ApiTags('grid')
@AdminRoute()
@Controller('v1/grid')
@UseGuards(AdminTokenGuard)
@UseFilters(ApiErrorFilter)
export class GridController {
  constructor(private readonly grid: GridService) {}

  @Get()
  @ApiOkResponse({ type: GridDoc })
  @ApiQuery({
    name: 'rows',
    description:
      'trait or computed trait, e.g. lifecycleStage, leadScore:0,10,50, lifecycleStage/acquisitionChannel',
  })
  @ApiQuery({ name: 'cols', description: 'as rows' })
  @ApiQuery({
    name: 'filter',
    required: false,
    description: 'a rule (JSON) every counted profile must match',
  })
  get(@Query('rows') rows?: string, @Query('cols') cols?: string, @Query('filter') filter?: string) {
    return this.grid.grid(rows, cols, jsonParam(filter, 'filter'));
  }

  @Post('segment')
  @HttpCode(HttpStatus.CREATED)
  @ApiBody({ type: GridSegmentBodyDoc })
  @ApiCreatedResponse({ type: SegmentDoc, description: '{ segment, cell }: the created definition' })
  segment(@Body() body: unknown) {
    return this.grid.cellSegment(body);
  }
}

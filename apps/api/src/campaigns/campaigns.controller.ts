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
  UsePipes,
} from '@nestjs/common';
import type { Response } from 'express';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiError, ApiErrorFilter, campaignValidationPipe } from '../common/api-errors';
import { CreateCampaignDto, LiftQueryDto, ReplaceCampaignDto, SLUG, SLUG_MESSAGE } from './campaign.dto';
import type { CampaignView } from './campaign-record';
import { CampaignsService, type LiftAnswer } from './campaigns.service';

/**
 * `POST|GET /v1/campaigns`, `GET|PUT|DELETE /v1/campaigns/{id}`, `GET /v1/campaigns/{id}/lift`
 * (contract section 8), behind `Authorization: Bearer $CDP_ADMIN_TOKEN`. Thin: validation
 * (class-validator DTOs, 400 naming every bad field) and HTTP; the rest is CampaignsService.
 */
@Controller('v1/campaigns')
@UseGuards(AdminTokenGuard)
@UseFilters(ApiErrorFilter)
@UsePipes(campaignValidationPipe())
export class CampaignsController {
  constructor(private readonly campaigns: CampaignsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  create(@Body() body: CreateCampaignDto): Promise<CampaignView> {
    const { id, ...fields } = body;
    return this.campaigns.create(id, fields);
  }

  @Get()
  async list(): Promise<{ campaigns: CampaignView[] }> {
    return { campaigns: await this.campaigns.list() };
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<CampaignView> {
    return this.campaigns.get(checkedId(id, false));
  }

  @Put(':id')
  async replace(
    @Param('id') id: string,
    @Body() body: ReplaceCampaignDto,
    @Res({ passthrough: true }) res: Response,
  ): Promise<CampaignView> {
    checkedId(id, true);
    const { id: bodyId, ...fields } = body;
    if (bodyId !== undefined && bodyId !== id) {
      throw new ApiError(HttpStatus.BAD_REQUEST, 'validation', 'invalid request', [
        { path: 'id', message: `must be the id in the path (${id}) or left out` },
      ]);
    }
    const { view, created } = await this.campaigns.replace(id, fields);
    res.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return view;
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  remove(@Param('id') id: string): Promise<void> {
    return this.campaigns.remove(checkedId(id, false));
  }

  @Get(':id/lift')
  lift(@Param('id') id: string, @Query() query: LiftQueryDto): Promise<LiftAnswer> {
    return this.campaigns.lift(checkedId(id, false), query);
  }
}

/** An id in the path: not a slug is 400 for a write, 404 otherwise (no such campaign can exist). */
function checkedId(id: string, forWrite: boolean): string {
  if (SLUG.test(id)) return id;
  if (forWrite) {
    throw new ApiError(HttpStatus.BAD_REQUEST, 'validation', 'invalid request', [
      { path: 'id', message: SLUG_MESSAGE },
    ]);
  }
  throw new ApiError(HttpStatus.NOT_FOUND, 'not_found', `no campaign ${id}`);
}

import { Controller, Delete, Get, Param, Query, UseFilters, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../auth/admin-token.guard';
import { ApiErrorFilter } from '../common/api-errors';
import { AdminRoute, ErasureDoc, ProfileDoc } from '../common/docs';
import { ProfilesService } from './profiles.service';

/** Profile 360, export and erasure (GDPR). */
@ApiTags('profiles')
@AdminRoute()
@Controller('v1/profiles')
@UseGuards(AdminTokenGuard)
@UseFilters(ApiErrorFilter)
export class ProfilesController {
  constructor(private readonly profiles: ProfilesService) {}

  @Get()
  @ApiOkResponse({ type: ProfileDoc, description: 'the person with this identifier' })
  @ApiQuery({ name: 'userId', required: false })
  @ApiQuery({ name: 'anonymousId', required: false })
  @ApiQuery({ name: 'email', required: false })
  async lookup(
    @Query('userId') userId?: string,
    @Query('anonymousId') anonymousId?: string,
    @Query('email') email?: string,
  ) {
    return this.profiles.view(await this.profiles.find(undefined, { userId, anonymousId, email }));
  }

  @Get(':id')
  @ApiOkResponse({ type: ProfileDoc })
  async get(@Param('id') id: string) {
    return this.profiles.view(await this.profiles.find(id, {}));
  }

  @Get(':id/export')
  @ApiOkResponse({
    description: 'everything held about the person',
    schema: { type: 'object', additionalProperties: true },
  })
  async export(@Param('id') id: string) {
    return this.profiles.export(await this.profiles.find(id, {}));
  }

  @Delete(':id')
  @ApiOkResponse({ type: ErasureDoc })
  async erase(@Param('id') id: string) {
    return this.profiles.erase(await this.profiles.find(id, {}));
  }
}

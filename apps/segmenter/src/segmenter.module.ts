import { Module } from '@nestjs/common';

/** The segmenter service's own providers and controllers (the shared runtime comes from runService). */
@Module({})
export class SegmenterModule {}

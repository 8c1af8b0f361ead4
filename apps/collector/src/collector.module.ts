import { Module } from '@nestjs/common';

/** The collector service's own providers and controllers (the shared runtime comes from runService). */
@Module({})
export class CollectorModule {}

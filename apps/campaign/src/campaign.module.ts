import { JsonLogger } from '@cdp/observability';
import { DynamicModule, Module } from '@nestjs/common';
import { CampaignCatalog } from './campaign-catalog';
import { CampaignEnv } from './campaign.env';
import { CampaignLifecycle } from './campaign.lifecycle';
import { CampaignMetrics } from './campaign.metrics';
import { CampaignProducer } from './campaign.producer';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { DecisionRecorder } from './decision.recorder';
import { DeliveriesRepository } from './deliveries.repository';
import { DeliveryStatusWriter } from './delivery-status.writer';
import { DeliveryWorker } from './delivery.worker';
import { SegmentEventIntake } from './segment-event.intake';
import { segmentEventsController } from './segment-events.controller';
import { SegmentEventsServer, segmentEventsServerOptions } from './segment-events.server';
import { WebhookSender } from './webhook.sender';

/** The campaign service's own providers (the shared runtime comes from runService). */
@Module({})
export class CampaignModule {
  /** Built from the validated env: the segment events topic is needed when the controller is defined. */
  static forRoot(env: CampaignEnv): DynamicModule {
    return {
      module: CampaignModule,
      controllers: [segmentEventsController(env.TOPIC_SEGMENT_EVENTS)],
      providers: [
        {
          provide: SegmentEventsServer,
          useFactory: (logger: JsonLogger) =>
            new SegmentEventsServer(env.TOPIC_SEGMENT_EVENTS, segmentEventsServerOptions(env, logger)),
          inject: [JsonLogger],
        },
        CampaignMetrics,
        CampaignProducer,
        CampaignCatalog,
        DeliveriesRepository,
        DeliveryStatusWriter,
        WebhookSender,
        DeliveryWorker,
        DeadLetterPublisher,
        DecisionRecorder,
        SegmentEventIntake,
        CampaignLifecycle,
      ],
    };
  }
}

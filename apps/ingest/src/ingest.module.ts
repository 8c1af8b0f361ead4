import { Module } from '@nestjs/common';
import { CanonicalEventsPublisher } from './canonical-events.publisher';
import { DeadLetterPublisher } from './dead-letter.publisher';
import { DeadLettersRepository } from './dead-letters.repository';
import { EventsRepository } from './events.repository';
import { IdentityLinksStore } from './identity-links.store';
import { IdentityOutcomesRecorder } from './identity-outcomes.recorder';
import { IdentityRepository } from './identity.repository';
import { IngestBatchUseCase } from './ingest-batch.use-case';
import { IngestLifecycle } from './ingest.lifecycle';
import { IngestMetrics } from './ingest.metrics';
import { IngestProducer } from './ingest.producer';
import { RawEventsConsumer } from './raw-events.consumer';
import { SuppressionRepository } from './suppression.repository';
import { TableInsertsWriter } from './table-inserts.writer';

/** The ingest service's own providers (the shared runtime comes from runService). */
@Module({
  providers: [
    IngestMetrics,
    IngestProducer,
    IdentityLinksStore,
    EventsRepository,
    DeadLettersRepository,
    IdentityRepository,
    DeadLetterPublisher,
    CanonicalEventsPublisher,
    IngestBatchUseCase,
    RawEventsConsumer,
    IdentityOutcomesRecorder,
    IngestLifecycle,
    SuppressionRepository,
    TableInsertsWriter,
  ],
})
export class IngestModule {}

import type { SegmentDefinition } from '@cdp/domain/segments';
import { formatDateTime } from './sql';

/**
 * A definition version -> its `segment_definitions` row (migration 0004), as both the api (when
 * it stores a version) and the segmenter (when it sees one) record it; `recordedAt` epoch ms.
 */
export function segmentDefinitionRow(d: SegmentDefinition, recordedAt: number): Record<string, unknown> {
  const updated = Date.parse(d.updatedAt);
  return {
    segment_id: d.id,
    version: d.version,
    status: d.status,
    name: d.name,
    description: d.description ?? '',
    rule: JSON.stringify(d.rule),
    exit_on_archive: d.exitOnArchive === false ? 0 : 1,
    created_at: formatDateTime(new Date(Date.parse(d.createdAt))),
    updated_at: formatDateTime(new Date(updated)),
    updated_ms: ((updated % 1000) + 1000) % 1000,
    recorded_at: formatDateTime(new Date(recordedAt)),
  };
}

import { segmentDefinitionRow } from './segment-definition.row';

describe('segmentDefinitionRow', () => {
  it('maps a definition version to its segment_definitions row', () => {
    const row = segmentDefinitionRow(
      {
        id: 'churned',
        name: 'Churned',
        status: 'archived',
        version: 3,
        rule: { event: 'Order Completed', within: { days: 90 }, count: { eq: 0 } },
        exitOnArchive: false,
        createdAt: '2026-11-01T09:00:00.000Z',
        updatedAt: '2026-11-02T10:30:15.042Z',
      },
      Date.parse('2026-11-02T10:30:16Z'),
    );
    expect(row).toEqual({
      segment_id: 'churned',
      version: 3,
      status: 'archived',
      name: 'Churned',
      description: '',
      rule: '{"event":"Order Completed","within":{"days":90},"count":{"eq":0}}',
      exit_on_archive: 0,
      created_at: '2026-11-01 09:00:00',
      updated_at: '2026-11-02 10:30:15',
      updated_ms: 42,
      recorded_at: '2026-11-02 10:30:16',
    });
  });
});

import type { IdentityRow } from './identity-rows';

/**
 * The `identities` rows this instance has written (identifier -> profile and first sighting),
 * so that a row which would change nothing is not written again: an identifier seen again with
 * the same profile and a later time. Every event carries its identifiers, so without this a
 * known visitor's every batch rewrote the same rows (more parts and merges for ClickHouse, and a
 * later first_seen_at replacing the earlier one when the rows collapse). A row goes out again
 * when its identifier is new here, its profile differs (a merge), or it was seen earlier than
 * written. Remembered only once written; after a restart (empty memory) rows are written again,
 * which the ReplacingMergeTree absorbs. At most `capacity` identifiers, the oldest forgotten first.
 */
export class WrittenIdentities {
  private readonly written = new Map<string, { profileId: string; firstSeenAt: string }>();

  constructor(private readonly capacity = 200_000) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
  }

  /** The rows that would change what this instance wrote. */
  unwritten(rows: readonly IdentityRow[]): IdentityRow[] {
    return rows.filter((r) => {
      const known = this.written.get(r.identifier);
      // DateTime text (YYYY-MM-DD hh:mm:ss) sorts as time does
      return known === undefined || known.profileId !== r.profile_id || r.first_seen_at < known.firstSeenAt;
    });
  }

  /** Records rows as written (call after the insert succeeded). */
  remember(rows: readonly IdentityRow[]): void {
    for (const r of rows) {
      const known = this.written.get(r.identifier);
      const firstSeenAt =
        known !== undefined && known.profileId === r.profile_id && known.firstSeenAt < r.first_seen_at
          ? known.firstSeenAt
          : r.first_seen_at;
      this.written.delete(r.identifier);
      this.written.set(r.identifier, { profileId: r.profile_id, firstSeenAt });
    }
    for (const key of this.written.keys()) {
      if (this.written.size <= this.capacity) break;
      this.written.delete(key);
    }
  }
}

import { sql, type Kysely } from 'kysely';
import { searchQuerySchema, toSearchRequest } from './listings.search';
import { whereClauses } from './listings.search.repository';
import type { ListingsTables } from './listings.tables';

/** A saved search that the listing satisfies: whom to alert, and about which search. */
export interface SavedSearchMatch {
  savedSearchId: string;
  userId: string;
  name: string;
}

/** How many saved searches one SQL statement tests at once (one boolean column each). */
const batchSize = 200;

/**
 * Which saved searches a listing matches, for alerts when it is published. Each saved search's
 * filters are the very WHERE clauses GET /listings runs, evaluated against the one listing row, a
 * batch of searches per statement, so an alert can never disagree with the search it is about.
 */
export class SavedSearchMatcher {
  constructor(private readonly db: Kysely<ListingsTables>) {}

  async matching(listingId: string): Promise<SavedSearchMatch[]> {
    const matches: SavedSearchMatch[] = [];
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const searches = await this.db
        .selectFrom('saved_searches')
        .select(['id', 'user_id', 'name', 'query'])
        .where('id', '>', after)
        .orderBy('id')
        .limit(batchSize)
        .execute();
      if (searches.length === 0) return matches;
      after = searches.at(-1)!.id;
      const tests = searches.flatMap((search) => {
        // Stored queries were validated when saved; one that no longer parses matches nothing.
        const parsed = searchQuerySchema.safeParse(search.query);
        if (!parsed.success) return [];
        const clauses = whereClauses(toSearchRequest(parsed.data).filters, 'ordered');
        return [{ search, test: sql<boolean>`coalesce((${sql.join(clauses, sql` AND `)}), false)` }];
      });
      if (tests.length === 0) continue;
      const result = await sql<Record<string, boolean>>`
        SELECT ${sql.join(tests.map((item, index) => sql`${item.test} AS ${sql.ref(`m${index}`)}`))}
        FROM listings l WHERE l.id = ${listingId}::uuid`.execute(this.db);
      const row = result.rows[0];
      if (!row) return matches;
      tests.forEach((item, index) => {
        if (row[`m${index}`]) matches.push({ savedSearchId: item.search.id, userId: item.search.user_id, name: item.search.name });
      });
    }
  }
}

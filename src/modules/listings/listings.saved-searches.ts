import type { Clock } from '../../platform/clock';
import { platformErrors, type FieldProblem } from '../../platform/errors';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import { requireUser } from '../identity';
import { listingsErrors, validationFailed } from './listings.errors';
import { toSavedSearch } from './listings.mappers';
import type { ListingsRepository } from './listings.repository';
import { searchFiltersSchema } from './listings.search';

export const maxSavedSearchesPerUser = 100;

/**
 * A person's saved searches: the GET /listings filters and sort, validated exactly like a search
 * and stored as the strings the client sent, so the web app gets back the query it saved.
 * Private to their owner: anyone else, API keys included, gets 404.
 */
export class SavedSearchService {
  constructor(private readonly deps: { repository: ListingsRepository; clock: Clock }) {}

  async createSavedSearch(auth: AuthContext | null, input: { name: string; query: Record<string, string | number | boolean> }) {
    const userId = requireUser(auth);
    const parsed = searchFiltersSchema.safeParse(input.query);
    if (!parsed.success) {
      throw validationFailed(
        parsed.error.issues.flatMap((issue): FieldProblem[] =>
          issue.code === 'unrecognized_keys'
            ? issue.keys.map((key) => ({ path: `query.${key}`, message: 'is not a search parameter; remove it' }))
            : [{ path: ['query', ...issue.path].join('.'), message: issue.message }],
        ),
      );
    }
    const query = Object.fromEntries(Object.entries(input.query).map(([key, value]) => [key, String(value).trim()]));
    const now = this.deps.clock.now();
    const row = { id: newId(now.getTime()), user_id: userId, name: input.name, query, created_at: now };
    await this.deps.repository.transaction(async (trx) => {
      if ((await this.deps.repository.countSavedSearchesForUpdate(userId, trx)) >= maxSavedSearchesPerUser) {
        throw listingsErrors.SAVED_SEARCH_LIMIT_REACHED(`You have ${maxSavedSearchesPerUser} saved searches; delete one first.`);
      }
      await this.deps.repository.insertSavedSearch(row, trx);
    });
    return toSavedSearch(row);
  }

  async listSavedSearches(auth: AuthContext | null) {
    const rows = await this.deps.repository.listSavedSearches(requireUser(auth), undefined, maxSavedSearchesPerUser);
    return { items: rows.map(toSavedSearch), nextCursor: null };
  }

  /** Another user's saved search, or any asked for with an API key, is not found (404). */
  async getSavedSearch(auth: AuthContext | null, id: string) {
    const row = await this.deps.repository.findSavedSearch(id, this.owner(auth, id));
    if (!row) throw listingsErrors.SAVED_SEARCH_NOT_FOUND(`No saved search ${id} of yours.`);
    return toSavedSearch(row);
  }

  async deleteSavedSearch(auth: AuthContext | null, id: string): Promise<void> {
    if (!(await this.deps.repository.deleteSavedSearch(id, this.owner(auth, id)))) {
      throw listingsErrors.SAVED_SEARCH_NOT_FOUND(`No saved search ${id} of yours.`);
    }
  }

  private owner(auth: AuthContext | null, id: string): string {
    if (!auth) throw platformErrors.UNAUTHENTICATED('Log in to use saved searches.');
    if (!auth.userId) throw listingsErrors.SAVED_SEARCH_NOT_FOUND(`No saved search ${id} of yours.`);
    return auth.userId;
  }
}

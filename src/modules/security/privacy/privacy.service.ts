import { actorOf, type AuditLog } from '../../../platform/audit';
import type { Clock } from '../../../platform/clock';
import { defineErrors } from '../../../platform/errors';
import type { AuthContext } from '../../../platform/http';
import type { Logger } from '../../../platform/logger';
import type { Secrets } from '../../../platform/secrets';
import { FieldCipher, type FieldContext } from './field-encryption';
import type { PersonalDataRow, PrivacyRepository } from './privacy.repository';

export const privacyErrors = defineErrors({
  PERSONAL_DATA_UNREADABLE: { status: 409, title: 'Stored personal data cannot be decrypted' },
});

/** What the privacy area needs of identity (passed in by the security module; identity does not know security). */
export interface PrivacyIdentity {
  getUser(userId: string): Promise<{ id: string; email: string; displayName: string; createdAt: string }>;
  getProfile(userId: string): Promise<unknown>;
  memberships(userId: string): Promise<unknown[]>;
  listSessions?(userId: string): Promise<unknown[]>;
  erasePerson(userId: string): Promise<void>;
}

/** Another module's data about a person, for the GDPR export (registered by the composition root). */
export type PersonalDataSource = (auth: AuthContext) => Promise<unknown>;

export interface PersonalDataView {
  identityDocumentNumber: string | null;
  iban: string | null;
  updatedAt: string | null;
}

export interface RequestContext {
  ip?: string | null;
  requestId?: string | null;
}

const mask = (value: string | null) => (value === null ? null : `${'•'.repeat(Math.max(value.length - 4, 0))}${value.slice(-4)}`);

/**
 * Personal data under field encryption, GDPR export and erasure (issue 3). Values are encrypted
 * with the active key of the ring; rotation adds a key and `reencrypt` rewrites older values in
 * pages without locking anyone out. Export and erasure are audited.
 */
export class PrivacyService {
  private readonly sources = new Map<string, PersonalDataSource>();
  private readonly cipher: FieldCipher;

  constructor(
    private readonly deps: { repository: PrivacyRepository; identity: PrivacyIdentity; audit: AuditLog; secrets: Secrets; clock: Clock; logger: Logger },
  ) {
    this.cipher = new FieldCipher(deps.secrets, 'k1');
  }

  /** Adds another module's data to the export (e.g. `deals`: the person's deals). */
  addSource(name: string, source: PersonalDataSource): void {
    this.sources.set(name, source);
  }

  private context(userId: string, column: 'identity_document' | 'iban'): FieldContext {
    return { table: 'personal_data', column, rowId: userId };
  }

  private decryptRow(row: PersonalDataRow): { identityDocumentNumber: string | null; iban: string | null } {
    try {
      return {
        identityDocumentNumber: row.identity_document === null ? null : this.cipher.decrypt(row.identity_document, this.context(row.user_id, 'identity_document')),
        iban: row.iban === null ? null : this.cipher.decrypt(row.iban, this.context(row.user_id, 'iban')),
      };
    } catch (error) {
      this.deps.logger.error({ err: error, userId: row.user_id }, 'personal data fails decryption');
      throw privacyErrors.PERSONAL_DATA_UNREADABLE('Your stored personal data cannot be decrypted (the server key changed or the data was tampered with); set it again.');
    }
  }

  /** The caller's own data, masked to the last four characters. */
  async view(userId: string): Promise<PersonalDataView> {
    const row = await this.deps.repository.find(userId);
    if (!row) return { identityDocumentNumber: null, iban: null, updatedAt: null };
    const plain = this.decryptRow(row);
    return { identityDocumentNumber: mask(plain.identityDocumentNumber), iban: mask(plain.iban), updatedAt: row.updated_at.toISOString() };
  }

  /** Sets (or with null clears) fields; omitted fields keep their value. Audited without the values. */
  async update(auth: AuthContext, input: { identityDocumentNumber?: string | null; iban?: string | null }, client: RequestContext = {}): Promise<PersonalDataView> {
    const userId = auth.userId as string;
    const existing = await this.deps.repository.find(userId);
    const current = existing ? this.decryptRow(existing) : { identityDocumentNumber: null, iban: null };
    const next = {
      identityDocumentNumber: input.identityDocumentNumber === undefined ? current.identityDocumentNumber : input.identityDocumentNumber,
      iban: input.iban === undefined ? current.iban : input.iban,
    };
    const keyId = await this.deps.repository.activeKeyId();
    this.cipher.use(keyId);
    const now = this.deps.clock.now();
    await this.deps.repository.db.transaction().execute(async (trx) => {
      await this.deps.repository.upsert(
        {
          user_id: userId,
          identity_document: next.identityDocumentNumber === null ? null : this.cipher.encrypt(next.identityDocumentNumber, this.context(userId, 'identity_document')),
          iban: next.iban === null ? null : this.cipher.encrypt(next.iban, this.context(userId, 'iban')),
          key_id: keyId,
          updated_at: now,
        },
        trx,
      );
      await this.deps.audit.record(
        {
          action: 'privacy.personal_data.changed',
          actor: actorOf(auth),
          ip: client.ip ?? null,
          requestId: client.requestId ?? null,
          target: { type: 'user', id: userId },
          details: { fields: Object.keys(input).filter((key) => input[key as keyof typeof input] !== undefined) },
        },
        trx,
      );
    });
    return { identityDocumentNumber: mask(next.identityDocumentNumber), iban: mask(next.iban), updatedAt: now.toISOString() };
  }

  /** Everything Domus holds on the caller, as one JSON document (GDPR Art. 15 and 20). */
  async exportPerson(auth: AuthContext, client: RequestContext = {}): Promise<Record<string, unknown>> {
    const userId = auth.userId as string;
    const { identity, repository, audit } = this.deps;
    const row = await repository.find(userId);
    const modules: Record<string, unknown> = {};
    for (const [name, source] of this.sources) modules[name] = await source(auth);
    const document = {
      exportedAt: this.deps.clock.now().toISOString(),
      format: 'domus-personal-data-export/1',
      account: await identity.getUser(userId),
      profile: await identity.getProfile(userId),
      memberships: await identity.memberships(userId),
      sessions: identity.listSessions ? await identity.listSessions(userId) : [],
      personalData: row ? { ...this.decryptRow(row), updatedAt: row.updated_at.toISOString() } : null,
      ...modules,
      auditTrail: await audit.entriesForActor({ type: 'user', id: userId }),
    };
    await audit.record({ action: 'privacy.export', actor: actorOf(auth), ip: client.ip ?? null, requestId: client.requestId ?? null, target: { type: 'user', id: userId }, details: { sections: Object.keys(document) } });
    return document;
  }

  /**
   * Erasure (GDPR Art. 17): the account is pseudonymised by identity (e-mail, name, password,
   * profile, sessions, memberships gone; the id stays), personal data is deleted. Audit entries
   * are not edited — that would break the hash chain — and name the person only by that id, which
   * no longer leads to anyone; deals stay as records their counterparties keep a right to.
   */
  async erase(auth: AuthContext, client: RequestContext = {}): Promise<{ erasedAt: string }> {
    const userId = auth.userId as string;
    await this.deps.identity.erasePerson(userId);
    const now = this.deps.clock.now();
    await this.deps.repository.erase(userId, now);
    await this.deps.audit.record({ action: 'privacy.erasure', actor: actorOf(auth), ip: client.ip ?? null, requestId: client.requestId ?? null, target: { type: 'user', id: userId } });
    return { erasedAt: now.toISOString() };
  }

  /** Rotation: a new active key for every later write. */
  async rotateKey(): Promise<string> {
    const keyId = await this.deps.repository.rotate(this.deps.clock.now());
    this.cipher.use(keyId);
    await this.deps.audit.record({ action: 'privacy.key.rotated', actor: { type: 'system', id: 'privacy' }, details: { keyId } });
    return keyId;
  }

  /** Rewrites every value under an older key with the active one, a page at a time; returns the count. */
  async reencrypt(pageSize = 200): Promise<{ reencrypted: number; byKey: Record<string, number> }> {
    const keyId = await this.deps.repository.activeKeyId();
    this.cipher.use(keyId);
    let reencrypted = 0;
    for (;;) {
      const rows = await this.deps.repository.staleRows(keyId, pageSize);
      if (rows.length === 0) break;
      let progressed = false;
      for (const row of rows) {
        const plain = this.decryptRow(row);
        const changed = await this.deps.repository.replaceCiphertexts(row, {
          identity_document: plain.identityDocumentNumber === null ? null : this.cipher.encrypt(plain.identityDocumentNumber, this.context(row.user_id, 'identity_document')),
          iban: plain.iban === null ? null : this.cipher.encrypt(plain.iban, this.context(row.user_id, 'iban')),
          key_id: keyId,
        });
        if (changed) {
          reencrypted += 1;
          progressed = true;
        }
      }
      if (!progressed) break;
    }
    return { reencrypted, byKey: await this.deps.repository.countByKey() };
  }
}

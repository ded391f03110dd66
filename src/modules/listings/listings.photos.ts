import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Clock } from '../../platform/clock';
import type { FileStore } from '../../platform/files';
import type { AuthContext } from '../../platform/http';
import { newId } from '../../platform/ids';
import type { Logger } from '../../platform/logger';
import type { OrganizationAccess } from '../identity';
import { assertListingVisible, isPublicStatus, listingNotFound, requireListingWriter } from './listings.access';
import { listingsErrors } from './listings.errors';
import { maxPhotosPerListing, processImage } from './listings.images';
import { toPhoto } from './listings.mappers';
import type { ListingsRepository } from './listings.repository';
import type { Photo, PhotoSize } from './listings.schema';
import type { PhotoRow } from './listings.tables';

export interface PhotoFile {
  body: Readable;
  contentType: string;
  size: number;
  /** Public listings' photos may sit in shared caches; private ones only in the caller's. */
  cacheControl: string;
  etag: string;
}

const photoNotFound = (id: string) => () => listingsErrors.PHOTO_NOT_FOUND(`No photo ${id} that you can see.`);

/**
 * Listing photos: verified and re-encoded by listings.images.ts, stored as three renditions in the
 * FileStore under listings/<listingId>/<photoId>/, and described by one row in listing_photos.
 * Files are written before the row and removed again when the row cannot be written, so a row
 * never points at a missing file; a crash in between leaves at worst an unreferenced file.
 * Identical uploads share one set of renditions (found by the SHA-256 of the uploaded bytes);
 * deleting a photo removes the files only when no other row uses them.
 */
export class PhotoService {
  constructor(
    private readonly deps: {
      repository: ListingsRepository;
      access: OrganizationAccess;
      files: FileStore;
      clock: Clock;
      logger: Logger;
      /** Called after a photo was added or removed (search answers embed photos). */
      onChange?: () => void;
    },
  ) {}

  /** Checks the caller before reading the upload, so strangers cannot make the server decode images. */
  async upload(auth: AuthContext | null, listingId: string, readFile: () => Promise<Buffer>): Promise<Photo> {
    await requireListingWriter(this.deps.access, this.deps.repository, auth, listingId);
    await this.assertRoom(listingId);
    return this.addPhoto(listingId, await readFile());
  }

  /** Adds a photo without caller checks (demo generator, importers). */
  async addPhoto(listingId: string, input: Buffer): Promise<Photo> {
    const { repository } = this.deps;
    if (!(await repository.findListing(listingId))) throw listingNotFound(listingId)();
    await this.assertRoom(listingId);
    const contentSha256 = createHash('sha256').update(input).digest('hex');
    const shared = await repository.findPhotoByContent(contentSha256);
    if (shared) {
      // Same bytes as a stored photo: share its renditions (they are derived from these bytes alone).
      const row = await this.insertRow(listingId, { ...shared, content_sha256: contentSha256 }, shared.id);
      if (row) return row;
    }
    const image = await processImage(input);
    const now = this.deps.clock.now();
    const folder = `listings/${listingId}/${newId(now.getTime())}`;
    const keys: Record<PhotoSize, string> = {
      original: `${folder}/original.${image.renditions.original.extension}`,
      large: `${folder}/large.webp`,
      thumb: `${folder}/thumb.webp`,
    };
    await this.putAll(keys, image.renditions);
    try {
      const row = await this.insertRow(listingId, {
        original_key: keys.original,
        large_key: keys.large,
        thumb_key: keys.thumb,
        width: image.width,
        height: image.height,
        content_type: image.contentType,
        byte_size: image.renditions.original.body.length,
        content_sha256: contentSha256,
      });
      if (!row) throw new Error('unreachable: a photo without a shared source is always inserted');
      return row;
    } catch (error) {
      await this.removeFiles(keys);
      throw error;
    }
  }

  /**
   * Writes the photo row. With `sharedFrom`, the files belong to that row too: it is locked so that
   * it cannot be deleted (with its files) meanwhile; resolves null when it was deleted first.
   */
  private async insertRow(
    listingId: string,
    files: Pick<PhotoRow, 'original_key' | 'large_key' | 'thumb_key' | 'width' | 'height' | 'content_type' | 'byte_size' | 'content_sha256'>,
    sharedFrom?: string,
  ): Promise<Photo | null> {
    const { repository } = this.deps;
    const now = this.deps.clock.now();
    const row: PhotoRow = {
      id: newId(now.getTime()),
      listing_id: listingId,
      position: 0,
      original_key: files.original_key,
      large_key: files.large_key,
      thumb_key: files.thumb_key,
      width: files.width,
      height: files.height,
      content_type: files.content_type,
      byte_size: files.byte_size,
      content_sha256: files.content_sha256,
      created_at: now,
    };
    const inserted = await repository.transaction(async (trx) => {
      if (sharedFrom && !(await repository.lockPhotoForSharing(sharedFrom, trx))) return false;
      // The lock on the listing serialises concurrent uploads: positions stay dense, the cap holds.
      if (!(await repository.findListing(listingId, trx, { forUpdate: true }))) throw listingNotFound(listingId)();
      row.position = await repository.countPhotos(listingId, trx);
      if (row.position >= maxPhotosPerListing) throw this.limitReached();
      await repository.insertPhoto(row, trx);
      return true;
    });
    if (!inserted) return null;
    this.deps.onChange?.();
    return toPhoto(listingId, row);
  }

  async delete(auth: AuthContext | null, listingId: string, photoId: string): Promise<void> {
    const { repository } = this.deps;
    await requireListingWriter(this.deps.access, repository, auth, listingId);
    const result = await repository.transaction(async (trx) => {
      await repository.findListing(listingId, trx, { forUpdate: true });
      const deleted = await repository.deletePhoto(listingId, photoId, trx);
      // Files shared with other photos (same uploaded bytes) stay until their last row goes.
      const stillUsed = deleted ? (await repository.countPhotosUsingFile(deleted.original_key, trx)) > 0 : false;
      return { deleted, stillUsed };
    });
    const { deleted } = result;
    if (!deleted) throw photoNotFound(photoId)();
    this.deps.onChange?.();
    if (!result.stillUsed) await this.removeFiles({ original: deleted.original_key, large: deleted.large_key, thumb: deleted.thumb_key });
  }

  /** A rendition for whoever may see the listing; everyone else gets 404. */
  async open(auth: AuthContext | null, photoId: string, size: PhotoSize): Promise<PhotoFile> {
    const photo = await this.deps.repository.findPhotoWithListing(photoId);
    if (!photo) throw photoNotFound(photoId)();
    await assertListingVisible(this.deps.access, auth, { id: photo.listing_id, organization_id: photo.organization_id, status: photo.status }, photoNotFound(photoId));
    const key = size === 'original' ? photo.original_key : size === 'large' ? photo.large_key : photo.thumb_key;
    const file = await this.deps.files.get(key);
    if (!file) {
      this.deps.logger.error({ photoId, key }, 'photo file missing from the file store');
      throw photoNotFound(photoId)();
    }
    return {
      body: file.body,
      contentType: size === 'original' ? photo.content_type : 'image/webp',
      size: file.size,
      // A photo id never gets other content, so a cached copy never goes stale; private ones stay private.
      cacheControl: isPublicStatus(photo.status) ? 'public, max-age=86400, immutable' : 'private, max-age=300',
      etag: `"${photoId}-${size}"`,
    };
  }

  private async assertRoom(listingId: string): Promise<void> {
    if ((await this.deps.repository.countPhotos(listingId)) >= maxPhotosPerListing) throw this.limitReached();
  }

  private limitReached() {
    return listingsErrors.PHOTO_LIMIT_REACHED(`A listing has at most ${maxPhotosPerListing} photos; delete one first.`);
  }

  private async putAll(keys: Record<PhotoSize, string>, renditions: Awaited<ReturnType<typeof processImage>>['renditions']): Promise<void> {
    const sizes = Object.keys(keys) as PhotoSize[];
    const results = await Promise.allSettled(sizes.map((size) => this.deps.files.put(keys[size], renditions[size].body, renditions[size].contentType)));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) {
      await this.removeFiles(keys);
      throw failed.reason;
    }
  }

  private async removeFiles(keys: Record<PhotoSize, string>): Promise<void> {
    const results = await Promise.allSettled(Object.values(keys).map((key) => this.deps.files.delete(key)));
    for (const result of results) {
      if (result.status === 'rejected') this.deps.logger.warn({ err: result.reason }, 'could not delete a photo file; it is unreferenced now');
    }
  }
}

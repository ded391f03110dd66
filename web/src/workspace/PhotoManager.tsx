import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../api/endpoints';
import { toApiError } from '../api/errors';
import type { Listing, Photo } from '../api/types';
import { Spinner } from '../components/ui';

const acceptedTypes = ['image/jpeg', 'image/png', 'image/webp'];
const maxBytes = 10 * 1024 * 1024;

interface PendingUpload {
  key: string;
  name: string;
  previewUrl: string;
  state: 'uploading' | 'failed';
  message?: string;
}

function checkFile(file: File): string | null {
  if (!acceptedTypes.includes(file.type)) return `${file.name}: only JPEG, PNG and WebP images can be uploaded.`;
  if (file.size > maxBytes) return `${file.name}: the file is larger than 10 MB.`;
  return null;
}

/** Upload (with instant local previews), list and delete a listing's photos. */
export function PhotoManager({
  listing,
  canEdit,
  onChanged,
}: {
  listing: Listing;
  canEdit: boolean;
  /** Called after uploads or deletions so the page can re-read the listing. */
  onChanged: (photos: Photo[]) => void;
}) {
  const inputId = useId();
  const inputRef = useRef<HTMLInputElement | null>(null);
  const [pending, setPending] = useState<PendingUpload[]>([]);
  const [deleting, setDeleting] = useState<string | null>(null);
  const [message, setMessage] = useState<{ tone: 'error' | 'info'; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const photosRef = useRef(listing.photos);
  photosRef.current = listing.photos;
  const previewUrls = useRef(new Set<string>());

  useEffect(
    () => () => {
      for (const url of previewUrls.current) URL.revokeObjectURL(url);
    },
    [],
  );

  const photos = listing.photos.slice().sort((a, b) => a.position - b.position);

  const upload = async (files: File[]) => {
    setMessage(null);
    const rejected: string[] = [];
    const accepted: { file: File; entry: PendingUpload }[] = [];
    for (const file of files) {
      const problem = checkFile(file);
      if (problem) {
        rejected.push(problem);
        continue;
      }
      const previewUrl = URL.createObjectURL(file);
      previewUrls.current.add(previewUrl);
      accepted.push({ file, entry: { key: `${file.name}-${file.size}-${Math.random()}`, name: file.name, previewUrl, state: 'uploading' } });
    }
    if (rejected.length) setMessage({ tone: 'error', text: rejected.join(' ') });
    setPending((previous) => [...previous, ...accepted.map((item) => item.entry)]);
    let uploaded = 0;
    // One at a time keeps the order the person chose and spares slow connections.
    for (const { file, entry } of accepted) {
      try {
        const photo = await api.uploadPhoto(listing.id, file);
        uploaded += 1;
        URL.revokeObjectURL(entry.previewUrl);
        previewUrls.current.delete(entry.previewUrl);
        setPending((previous) => previous.filter((item) => item.key !== entry.key));
        const isPhoto = photo && typeof photo === 'object' && 'urls' in photo && 'id' in photo;
        onChanged(isPhoto ? [...photosRef.current, photo] : photosRef.current);
      } catch (error) {
        const apiError = toApiError(error);
        setPending((previous) =>
          previous.map((item) => (item.key === entry.key ? { ...item, state: 'failed', message: apiError.userMessage } : item)),
        );
      }
    }
    if (uploaded > 0 && rejected.length === 0) {
      setMessage({ tone: 'info', text: uploaded === 1 ? 'Photo uploaded.' : `${uploaded} photos uploaded.` });
    }
    if (inputRef.current) inputRef.current.value = '';
  };

  const remove = async (photo: Photo, index: number) => {
    setDeleting(photo.id);
    setMessage(null);
    try {
      await api.deletePhoto(listing.id, photo.id);
      onChanged(photosRef.current.filter((item) => item.id !== photo.id));
      setMessage({ tone: 'info', text: `Photo ${index + 1} deleted.` });
    } catch (error) {
      setMessage({ tone: 'error', text: toApiError(error).userMessage });
    } finally {
      setDeleting(null);
    }
  };

  return (
    <section className="card" aria-labelledby="photos-title" data-testid="photo-manager">
      <div className="card-head">
        <h2 id="photos-title" className="panel-title">
          Photos <span className="muted">({photos.length})</span>
        </h2>
      </div>
      <div aria-live="polite" className="photo-messages">
        {message && (
          <p className={message.tone === 'error' ? 'alert alert-error' : 'alert alert-info'} role={message.tone === 'error' ? 'alert' : 'status'}>
            {message.text}
          </p>
        )}
      </div>

      {canEdit && (
        <div
          className={`dropzone ${dragging ? 'is-dragging' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(event) => {
            event.preventDefault();
            setDragging(false);
            void upload(Array.from(event.dataTransfer.files));
          }}
        >
          <input
            ref={inputRef}
            id={inputId}
            type="file"
            className="visually-hidden-input"
            accept={acceptedTypes.join(',')}
            multiple
            data-testid="photo-input"
            onChange={(event) => void upload(Array.from(event.target.files ?? []))}
          />
          <label htmlFor={inputId} className="dropzone-label">
            <svg className="icon icon-lg" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.6" aria-hidden="true">
              <path d="M12 16V4m0 0-4 4m4-4 4 4M4 16v3a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-3" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            <span>
              <strong>Add photos</strong> — choose files or drop them here
            </span>
            <span className="muted small">JPEG, PNG or WebP, up to 10 MB each. The first photo is the cover.</span>
          </label>
        </div>
      )}

      {photos.length === 0 && pending.length === 0 ? (
        <p className="muted">No photos yet. Listings with photos get far more attention.</p>
      ) : (
        <ul className="photo-grid">
          {photos.map((photo, index) => (
            <li key={photo.id} className="photo-tile" data-testid="photo-item" data-photo-id={photo.id}>
              <img src={photo.urls.thumb} alt={`Photo ${index + 1} of ${listing.title}`} loading="lazy" />
              {index === 0 && <span className="photo-cover">Cover</span>}
              {canEdit && (
                <button
                  type="button"
                  className="photo-delete"
                  onClick={() => void remove(photo, index)}
                  disabled={deleting === photo.id}
                  aria-label={`Delete photo ${index + 1}`}
                  data-testid="photo-delete"
                >
                  {deleting === photo.id ? <Spinner size="sm" label="Deleting" /> : 'Delete'}
                </button>
              )}
            </li>
          ))}
          {pending.map((item) => (
            <li key={item.key} className={`photo-tile is-pending ${item.state === 'failed' ? 'is-failed' : ''}`} data-testid="photo-pending">
              <img src={item.previewUrl} alt={`Preview of ${item.name}`} />
              <div className="photo-overlay">
                {item.state === 'uploading' ? (
                  <Spinner size="sm" label={`Uploading ${item.name}`} />
                ) : (
                  <>
                    <span className="photo-failed-text">{item.message ?? 'Upload failed'}</span>
                    <button
                      type="button"
                      className="button button-small button-secondary"
                      onClick={() => {
                        URL.revokeObjectURL(item.previewUrl);
                        previewUrls.current.delete(item.previewUrl);
                        setPending((previous) => previous.filter((entry) => entry.key !== item.key));
                      }}
                    >
                      Dismiss
                    </button>
                  </>
                )}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

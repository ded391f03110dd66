import sharp from 'sharp';
import { platformErrors } from '../../platform/errors';
import { listingsErrors } from './listings.errors';
import type { PhotoSize } from './listings.schema';

export const maxPhotoPixels = 40_000_000;
export const maxPhotosPerListing = 40;

const formats = {
  jpeg: { contentType: 'image/jpeg', extension: 'jpg' },
  png: { contentType: 'image/png', extension: 'png' },
  webp: { contentType: 'image/webp', extension: 'webp' },
} as const;
type AcceptedFormat = keyof typeof formats;

export interface ProcessedImage {
  width: number;
  height: number;
  contentType: string;
  renditions: Record<PhotoSize, { body: Buffer; contentType: string; extension: string }>;
}

const unsupported = (detail: string) =>
  platformErrors.UNSUPPORTED_MEDIA_TYPE(detail, [{ path: 'file', message: 'must be a JPEG, PNG or WebP image' }]);

/**
 * Verifies an upload by decoding it (never trusting the client's content type or file name) and
 * makes the three renditions. Every rendition is re-encoded after auto-rotating by the EXIF
 * orientation, so no metadata survives: GPS positions in phone photos would reveal an address.
 */
export async function processImage(input: Buffer): Promise<ProcessedImage> {
  let format: string | undefined;
  let width = 0;
  let height = 0;
  try {
    // Header only: the pixel check below happens before anything is decompressed.
    const metadata = await sharp(input, { limitInputPixels: false }).metadata();
    format = metadata.format;
    width = metadata.autoOrient?.width ?? metadata.width ?? 0;
    height = metadata.autoOrient?.height ?? metadata.height ?? 0;
  } catch {
    throw unsupported('The file is not an image this service can read. Upload a JPEG, PNG or WebP photo.');
  }
  if (!format || !(format in formats)) {
    throw unsupported(`The file is ${format ? `a ${format.toUpperCase()} image` : 'not an image'}; upload a JPEG, PNG or WebP photo.`);
  }
  if (width <= 0 || height <= 0) throw unsupported('The image has no pixels.');
  if (width * height > maxPhotoPixels) {
    throw listingsErrors.IMAGE_TOO_MANY_PIXELS(
      `The image is ${width}×${height} (${((width * height) / 1e6).toFixed(1)} megapixels); the limit is ${maxPhotoPixels / 1e6} megapixels.`,
      [{ path: 'file', message: `must have at most ${maxPhotoPixels / 1e6} megapixels` }],
    );
  }
  const accepted = formats[format as AcceptedFormat];
  try {
    const base = sharp(input, { limitInputPixels: maxPhotoPixels, failOn: 'error', autoOrient: true });
    const original = base.clone();
    if (format === 'jpeg') original.jpeg({ quality: 90, mozjpeg: true });
    else if (format === 'png') original.png({ compressionLevel: 8 });
    else original.webp({ quality: 90 });
    const [originalOutput, large, thumb] = await Promise.all([
      original.toBuffer({ resolveWithObject: true }),
      base.clone().resize({ width: 1280, withoutEnlargement: true }).webp({ quality: 80 }).toBuffer(),
      base.clone().resize({ width: 320, withoutEnlargement: true }).webp({ quality: 75 }).toBuffer(),
    ]);
    return {
      width: originalOutput.info.width,
      height: originalOutput.info.height,
      contentType: accepted.contentType,
      renditions: {
        original: { body: originalOutput.data, contentType: accepted.contentType, extension: accepted.extension },
        large: { body: large, contentType: 'image/webp', extension: 'webp' },
        thumb: { body: thumb, contentType: 'image/webp', extension: 'webp' },
      },
    };
  } catch {
    throw unsupported('The image is damaged or truncated and could not be decoded.');
  }
}

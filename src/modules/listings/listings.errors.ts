import { defineErrors, platformErrors, type FieldProblem } from '../../platform/errors';

/**
 * Codes of the listings module. Generic conditions use the platform's codes instead:
 * VERSION_CONFLICT, IDEMPOTENCY_KEY_REUSED, INVALID_CURSOR, VALIDATION_FAILED,
 * UNSUPPORTED_MEDIA_TYPE (non-image uploads) and PAYLOAD_TOO_LARGE (oversize uploads).
 */
export const listingsErrors = defineErrors({
  PROPERTY_NOT_FOUND: { status: 404, title: 'Property not found' },
  LISTING_NOT_FOUND: { status: 404, title: 'Listing not found' },
  PHOTO_NOT_FOUND: { status: 404, title: 'Photo not found' },
  SAVED_SEARCH_NOT_FOUND: { status: 404, title: 'Saved search not found' },
  INVALID_STATUS_TRANSITION: { status: 409, title: 'This status change is not allowed' },
  LISTING_CLOSED: { status: 409, title: 'The listing is closed' },
  PHOTO_LIMIT_REACHED: { status: 409, title: 'The listing has the maximum number of photos' },
  SAVED_SEARCH_LIMIT_REACHED: { status: 409, title: 'You have the maximum number of saved searches' },
  IMAGE_TOO_MANY_PIXELS: { status: 422, title: 'The image has too many pixels' },
});

/** 400 VALIDATION_FAILED for problems found after schema validation (cross-field, merged state). */
export function validationFailed(problems: FieldProblem[]) {
  return platformErrors.VALIDATION_FAILED(`Fix these fields: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, problems);
}

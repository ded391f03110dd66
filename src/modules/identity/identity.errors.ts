import { defineErrors } from '../../platform/errors';

export const identityErrors = defineErrors({
  EMAIL_TAKEN: { status: 409, title: 'An account with this email exists' },
  INVALID_CREDENTIALS: { status: 401, title: 'Email or password is wrong' },
  CURRENT_PASSWORD_INCORRECT: { status: 403, title: 'The current password is wrong' },
  PASSWORD_UNCHANGED: { status: 400, title: 'The new password is the current one' },
  ORGANIZATION_NOT_FOUND: { status: 404, title: 'Organization not found' },
  SLUG_TAKEN: { status: 409, title: 'This organization slug is taken' },
  MEMBER_NOT_FOUND: { status: 404, title: 'Member not found' },
  USER_NOT_FOUND: { status: 404, title: 'User not found' },
  ALREADY_MEMBER: { status: 409, title: 'Already a member' },
  INSUFFICIENT_ROLE: { status: 403, title: 'Your role does not allow this' },
  INSUFFICIENT_SCOPE: { status: 403, title: 'The API key lacks the scope for this' },
  LAST_OWNER: { status: 409, title: 'An organization needs an owner' },
  API_KEY_NOT_FOUND: { status: 404, title: 'API key not found' },
  INVALID_API_KEY: { status: 401, title: 'The API key is invalid or revoked' },
});

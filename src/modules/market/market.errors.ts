import { defineErrors } from '../../platform/errors';

/**
 * Codes of the market module. Bad query parameters (an unknown frequency, a malformed period, a
 * horizon out of range) are the platform's VALIDATION_FAILED with the parameter named.
 */
export const marketErrors = defineErrors({
  MARKET_AREA_NOT_FOUND: { status: 404, title: 'No such market area' },
  MARKET_DATA_INSUFFICIENT: { status: 422, title: 'Too little market data for this' },
});

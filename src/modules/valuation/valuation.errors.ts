import { defineErrors, platformErrors, type FieldProblem } from '../../platform/errors';

/** Codes of the valuation module (docs/valuation.md). */
export const valuationErrors = defineErrors({
  NO_ACTIVE_MODEL: { status: 409, title: 'No valuation model is active' },
  MODEL_NOT_FOUND: { status: 404, title: 'Valuation model not found' },
  MODEL_NOT_READY: { status: 409, title: 'The valuation model is not ready' },
  VALUATION_PROPERTY_NOT_FOUND: { status: 404, title: 'Property not found' },
  PROPERTY_NOT_VALUABLE: { status: 422, title: 'The property lacks what a valuation needs' },
  VALUATION_JOB_NOT_FOUND: { status: 404, title: 'Valuation job not found' },
  NOT_ENOUGH_SALES: { status: 422, title: 'Too few sales to train a valuation model' },
  MODEL_ADMIN_ONLY: { status: 403, title: 'Only valuation model administrators may do this' },
});

export function validationFailed(problems: FieldProblem[]) {
  return platformErrors.VALIDATION_FAILED(`Fix these fields: ${problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ')}`, problems);
}

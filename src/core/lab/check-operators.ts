/** The operators a check in lab.yaml may use. Apart from the schema so output code can use it without loading zod. */
export const CHECK_OPERATORS = ['equals', 'notEquals', 'gte', 'gt', 'lte', 'lt', 'contains', 'notContains', 'matches', 'exists'] as const;
export type CheckOperator = (typeof CHECK_OPERATORS)[number];

/**
 * The targets a check may be scoped to (`targets: [sandbox, emr]` in lab.yaml): where a lab runs. A check scoped to
 * some of them is not applicable on the others. Kept beside the operators for the same reason: no zod in output code.
 */
export const CHECK_TARGETS = ['local', 'sandbox', 'emr'] as const;
export type CheckTarget = (typeof CHECK_TARGETS)[number];

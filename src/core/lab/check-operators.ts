/** The operators a check in lab.yaml may use. Apart from the schema so output code can use it without loading zod. */
export const CHECK_OPERATORS = ['equals', 'notEquals', 'gte', 'gt', 'lte', 'lt', 'contains', 'notContains', 'matches', 'exists'] as const;
export type CheckOperator = (typeof CHECK_OPERATORS)[number];

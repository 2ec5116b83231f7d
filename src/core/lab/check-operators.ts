/** The operators a check in lab.yaml may use. Apart from the schema so output code can use it without loading zod. */
export const CHECK_OPERATORS = ['equals', 'notEquals', 'gte', 'gt', 'lte', 'lt', 'contains', 'notContains', 'matches', 'exists'] as const;
export type CheckOperator = (typeof CHECK_OPERATORS)[number];

/**
 * The targets a check may be scoped to (`targets: [sandbox, emr]` in lab.yaml): where a lab runs. A check scoped to
 * some of them is not applicable on the others. Kept beside the operators for the same reason: no zod in output code.
 */
export const CHECK_TARGETS = ['local', 'sandbox', 'emr'] as const;
export type CheckTarget = (typeof CHECK_TARGETS)[number];

/**
 * The AWS/ElasticMapReduce metrics a check may read (`metric:` in lab.yaml): the ones EMR publishes per cluster
 * (dimension JobFlowId) that a step moves, and the sandbox publishes from its live YARN too.
 */
export const CHECK_METRICS = [
  'IsIdle', 'AppsRunning', 'AppsPending', 'AppsCompleted', 'AppsFailed', 'ContainerAllocated', 'ContainerPending', 'ContainerReserved',
  'MemoryAllocatedMB', 'MemoryAvailableMB', 'YARNMemoryAvailablePercentage', 'HDFSUtilization', 'CoreNodesRunning',
] as const;
export type CheckMetric = (typeof CHECK_METRICS)[number];
export const METRIC_STATS = ['Maximum', 'Minimum', 'Average'] as const;
export type MetricStat = (typeof METRIC_STATS)[number];

/** How a metric check names what it read, where a result.json check shows its path. */
export const metricLabel = (m: { name: string; stat: string }) => `cloudwatch:${m.name}/${m.stat}`;

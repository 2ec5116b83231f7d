/** EMR cluster states in which a cluster is up or coming up (it costs money and can take steps): the one list. */
export const LIVE_CLUSTER_STATES = ['STARTING', 'BOOTSTRAPPING', 'RUNNING', 'WAITING'] as const;

export const isLiveClusterState = (state: string | undefined): boolean => (LIVE_CLUSTER_STATES as readonly string[]).includes(state ?? '');

import type { Cluster, ClusterSummary, EMRClient, Tag } from '@aws-sdk/client-emr';
import type { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { nameMayMatch, parseClusterName } from '../core/emr-cluster-name.js';
import { hasTags } from '../core/emr/tags.js';
import { ACTIVE_STATES, describeCluster, listClusters } from './emr.js';
import { clusterIdFromArn, EMR_CLUSTER_TYPE, findTagged } from './tagging.js';

/**
 * Finding live clusters by their tags so that "none" is an answer from a source that would have seen one:
 * ListClusters lists a cluster the moment it exists (50 a page, Name and state only), and the Name says which
 * clusters may be the ones wanted (core/emr-cluster-name.ts); only those candidates need their tags. The Resource
 * Groups Tagging API gives the tags of many clusters in one call (100 a page), but its index lags behind new clusters
 * (and emulators have no EMR in it): it may save a DescribeCluster, never decide that a cluster is not there.
 */
export interface LookupClients {
  emr: EMRClient;
  tagging: ResourceGroupsTaggingAPIClient;
}

export interface ListingOptions {
  createdAfter?: Date | undefined;
  /**
   * Tags of a whole group (e.g. a cohort) read from the tagging index once, so its candidates need no
   * DescribeCluster each; clusters the index does not have yet are described.
   */
  prefetchTags?: Record<string, string> | undefined;
}

const tagList = (tags: Record<string, string>): Tag[] => Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/** A live cluster as a look-up returns it: described, or from its listing entry and the tags the index had. */
function fromSummary(s: ClusterSummary, tags: Tag[]): Cluster {
  const fleets = parseClusterName(s.Name)?.fleets;
  return { Id: s.Id, Name: s.Name, Status: s.Status, ClusterArn: s.ClusterArn, Tags: tags, ...(fleets === undefined ? {} : { InstanceCollectionType: fleets ? 'INSTANCE_FLEET' : 'INSTANCE_GROUP' }) };
}

/**
 * One listing of the live clusters for a whole command: a class of 200 is listed once (4 calls), not once per
 * student. Clusters the command makes are added as it makes them; `refresh()` lists again.
 */
export class ClusterListing {
  private summaries: Promise<ClusterSummary[]> | undefined;
  private tags: Promise<Map<string, Tag[]>> | undefined;
  private readonly made = new Map<string, ClusterSummary>();
  private readonly described = new Map<string, Cluster>();
  /** calls this listing made, by kind: what the bench counts per student */
  listings = 0;

  constructor(
    private readonly clients: LookupClients,
    private readonly o: ListingOptions = {},
  ) {}

  private list(): Promise<ClusterSummary[]> {
    if (!this.summaries) {
      this.listings += 1;
      const p = listClusters(this.clients.emr, { states: ACTIVE_STATES, createdAfter: this.o.createdAfter });
      p.catch(() => (this.summaries = undefined));
      this.summaries = p;
    }
    return this.summaries;
  }

  private indexTags(): Promise<Map<string, Tag[]>> {
    if (!this.o.prefetchTags) return Promise.resolve(new Map());
    this.tags ??= findTagged(this.clients.tagging, EMR_CLUSTER_TYPE, this.o.prefetchTags)
      .then((found) => new Map(found.flatMap((r) => { const id = clusterIdFromArn(r.arn); return id ? [[id, tagList(r.tags)] as const] : []; })))
      // the index only saves calls: without it every candidate is described
      .catch(() => new Map());
    return this.tags;
  }

  /** A cluster this command just made (RunJobFlow answered): later look-ups see it without listing again. */
  remember(cluster: Cluster): void {
    if (!cluster.Id) return;
    this.made.set(cluster.Id, { Id: cluster.Id, Name: cluster.Name, Status: cluster.Status, ClusterArn: cluster.ClusterArn });
    if (cluster.Tags) this.described.set(cluster.Id, cluster);
  }

  refresh(): void {
    this.summaries = undefined;
    this.tags = undefined;
  }

  /** Live clusters carrying every wanted tag: candidates by Name, tags from the index where it has them, else described. */
  async find(wanted: Readonly<Record<string, string>>): Promise<Cluster[]> {
    const listed = await this.list();
    const byId = new Map(listed.filter((s) => s.Id).map((s) => [s.Id!, s]));
    for (const [id, s] of this.made) if (!byId.has(id)) byId.set(id, s);
    const candidates = [...byId.values()].filter((s) => nameMayMatch(s.Name, wanted));
    if (!candidates.length) return [];
    const indexed = await this.indexTags();
    const out: Cluster[] = [];
    await Promise.all(
      candidates.map(async (s) => {
        const known = this.described.get(s.Id!);
        const tags = known?.Tags ?? indexed.get(s.Id!);
        const cluster = tags ? fromSummary(s, tags) : await describeCluster(this.clients.emr, s.Id!).then((c) => (this.described.set(c.Id!, c), c));
        if (hasTags(cluster.Tags, wanted) && cluster.Status?.State && ACTIVE_STATES.includes(cluster.Status.State)) out.push(cluster);
      }),
    );
    // listing order is newest first; keep it
    const order = new Map([...byId.keys()].map((id, i) => [id, i]));
    return out.sort((a, b) => order.get(a.Id!)! - order.get(b.Id!)!);
  }
}

/** Live clusters carrying every wanted tag, listed now (a command that looks up once). */
export function findLiveClusters(clients: LookupClients, wanted: Record<string, string>, o: ListingOptions = {}): Promise<Cluster[]> {
  return new ClusterListing(clients, o).find(wanted);
}

/**
 * A listing shared by everything a command does with these clients (e.g. 200 student engines of `cohort run`, each
 * looking up its cluster): set for the command's duration; the returned function ends the sharing.
 */
const shared = new WeakMap<object, ClusterListing>();
export function shareListing(emr: EMRClient, listing: ClusterListing): () => void {
  shared.set(emr, listing);
  return () => {
    if (shared.get(emr) === listing) shared.delete(emr);
  };
}
export const sharedListing = (emr: EMRClient): ClusterListing | undefined => shared.get(emr);

import { paginateGetResources, type ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { aws } from './errors.js';

export interface TaggedResource {
  arn: string;
  tags: Record<string, string>;
}

/**
 * Resources of a type carrying every wanted tag, 100 a page. The tagging index is eventually consistent: a cluster
 * made seconds ago may be missing (callers that just created one look it up through EMR itself).
 */
export async function findTagged(tagging: ResourceGroupsTaggingAPIClient, resourceType: string, wanted: Record<string, string>): Promise<TaggedResource[]> {
  return aws('look up resources by tag', async () => {
    const out: TaggedResource[] = [];
    const TagFilters = Object.entries(wanted).map(([Key, Value]) => ({ Key, Values: [Value] }));
    for await (const page of paginateGetResources({ client: tagging }, { ResourceTypeFilters: [resourceType], TagFilters, ResourcesPerPage: 100 })) {
      for (const r of page.ResourceTagMappingList ?? []) {
        if (!r.ResourceARN) continue;
        out.push({ arn: r.ResourceARN, tags: Object.fromEntries((r.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])) });
      }
    }
    return out;
  });
}

export const EMR_CLUSTER_TYPE = 'elasticmapreduce:cluster';

/** arn:aws:elasticmapreduce:eu-west-1:123456789012:cluster/j-2AXXXXXXGAPLF -> j-2AXXXXXXGAPLF */
export function clusterIdFromArn(arn: string): string | undefined {
  return /:cluster\/(j-[A-Z0-9]+)$/.exec(arn)?.[1];
}

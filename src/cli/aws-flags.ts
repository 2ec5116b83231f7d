import type { Command } from 'commander';

/** The global --profile / --region, wherever on the command line they were given. */
export function awsFlags(cmd: Command): { profile?: string | undefined; region?: string | undefined } {
  const all = cmd.optsWithGlobals() as { profile?: string; region?: string };
  return { profile: all.profile, region: all.region };
}

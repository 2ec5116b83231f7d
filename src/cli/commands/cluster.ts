import type { Command } from 'commander';
import { registerClusterDown } from './cluster/down.js';
import { registerClusterStatus } from './cluster/status.js';
import { registerClusterUp } from './cluster/up.js';

export function registerCluster(program: Command): void {
  const cluster = program
    .command('cluster')
    .description('your EMR cluster: up (find or create it, tagged, auto-terminating), down (terminate it), status')
    // set before the sub-commands are made: they inherit it, so a bad one ends with exit 2 like every command
    .exitOverride();
  for (const register of [registerClusterUp, registerClusterDown, registerClusterStatus]) register(cluster);
}

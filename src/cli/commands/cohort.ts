import type { Command } from 'commander';
import { registerCohortDown } from './cohort/down.js';
import { registerCohortGrade } from './cohort/grade.js';
import { registerCohortRun } from './cohort/run.js';
import { registerCohortStatus } from './cohort/status.js';
import { registerCohortUp } from './cohort/up.js';

export function registerCohort(program: Command): void {
  const cohort = program
    .command('cohort')
    .description('a class at once: up (a cluster per roster student), status, run <lab> (queued on every cluster), grade <lab>, down')
    // set before the sub-commands are made: they inherit it, so a bad one ends with exit 2 like every command
    .exitOverride();
  for (const register of [registerCohortUp, registerCohortStatus, registerCohortRun, registerCohortGrade, registerCohortDown]) register(cohort);
}

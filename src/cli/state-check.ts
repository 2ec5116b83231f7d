import type { Command } from 'commander';

/** Commands that read only the project (labs/, the policy table) and never LABS_HOME. */
const STATELESS = new Set(['list', 'show', 'iam-policy']);

/** commander preAction hook: a broken LABS_HOME stops the command before it does anything (app/state-dir.ts). */
export async function checkStateBeforeCommand(_program: Command, action: Command): Promise<void> {
  if (STATELESS.has(action.name())) return;
  const { checkStateDirs } = await import('../app/state-dir.js');
  checkStateDirs();
}

/**
 * Which labs the sandbox suite runs besides day2-joins (its own test). Every lab with a check scoped to the sandbox,
 * every time: a fact only a cluster shows must never go unrun in CI. Of the other labs, one slice per UTC day
 * (day number mod `slices`, by default SANDBOX_SLICES), so CI on consecutive days covers every lab on the sandbox
 * while one run stays inside the 60-minute budget. Measured by `.ci/run` on the 2-core machine: a lab takes 1-6
 * minutes there (about 2 on average), and every sandbox lab also slows the local labs suite running beside it. A
 * fifth of the others: unit 7 + labs 27 minutes (the sandbox suite ended first), 35 in all before the bench; half
 * of them: unit 10 + labs 42 (sandbox 43), 56 minutes with the bench, too close to 60. A third is the default.
 * LABS_SANDBOX_LABS overrides: `all`, `scoped` (no slice), or a comma list.
 */
export const SANDBOX_SLICES = 3;

export function sandboxSuiteLabs(o: { ids: readonly string[]; scoped: (id: string) => boolean; asked?: string | undefined; day: number; slices?: number }): { labs: string[]; note: string } {
  const ids = o.ids.filter((id) => id !== 'day2-joins');
  if (o.asked === 'all') return { labs: ids, note: 'every lab (LABS_SANDBOX_LABS=all)' };
  if (o.asked && o.asked !== 'scoped') return { labs: o.asked.split(',').filter((id) => id && id !== 'day2-joins'), note: `LABS_SANDBOX_LABS=${o.asked}` };
  const scoped = ids.filter(o.scoped);
  if (o.asked === 'scoped') return { labs: scoped, note: 'the labs with sandbox-scoped checks (LABS_SANDBOX_LABS=scoped)' };
  const others = ids.filter((id) => !o.scoped(id));
  const slices = Math.max(1, o.slices ?? SANDBOX_SLICES);
  const k = ((o.day % slices) + slices) % slices;
  const slice = others.filter((_, i) => i % slices === k);
  return {
    labs: [...scoped, ...slice],
    note: `${scoped.length} labs with sandbox-scoped checks, and slice ${k + 1} of ${slices} of the other ${others.length} (today's: ${slice.join(', ') || 'none'}; LABS_SANDBOX_LABS=all runs every lab)`,
  };
}

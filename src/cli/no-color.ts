/**
 * NO_COLOR (no-color.org): present and not empty means no colour. ink draws with chalk, and chalk 5 deliberately
 * ignores NO_COLOR (it reads FORCE_COLOR and the terminal), so this maps one onto the other. It must run before ink
 * is first imported: chalk decides its colour level when it loads.
 */
export function honourNoColor(env: NodeJS.ProcessEnv = process.env): void {
  if (env.NO_COLOR) env.FORCE_COLOR = '0';
}

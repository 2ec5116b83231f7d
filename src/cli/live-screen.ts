/**
 * ink reads CI / CONTINUOUS_INTEGRATION once, when it loads, and then writes only the final frame (for CI logs).
 * The dashboard is a full-screen, keyboard-driven view that only runs in a real terminal, so a CI variable that leaks
 * into a developer's shell (devcontainers and cloud IDEs set it) would leave the screen blank until quit. Run this
 * before ink is first imported, and only for an interactive screen.
 */
export function drawLiveEvenUnderCi(env: NodeJS.ProcessEnv = process.env): void {
  delete env.CI;
  delete env.CONTINUOUS_INTEGRATION;
}

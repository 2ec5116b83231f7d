/**
 * The unit tests assert what a terminal shows. ink decides when it loads whether it is in CI (CI or
 * CONTINUOUS_INTEGRATION set) and then writes only the last frame on exit, so under a CI runner every frame a test
 * reads would be empty. Clearing them here (before any test file imports ink) makes the tests see what a person sees;
 * the tmux test sets CI=true again on purpose to prove `labs dashboard` still draws.
 */
delete process.env.CI;
delete process.env.CONTINUOUS_INTEGRATION;

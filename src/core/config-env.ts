/**
 * The LABS_* environment variables a user may set, mapped to config keys. Apart from the config schema so the CLI's
 * start-up check can tell "nothing to validate" without loading zod and yaml (a `labs list` cold start).
 */
export const ENV_KEYS: Record<string, string> = {
  LABS_TARGET: 'target',
  LABS_STUDENT: 'student',
  LABS_COURSE: 'course',
  LABS_UI_PORT: 'local.uiPort',
  LABS_SPARK_MASTER: 'local.master',
  LABS_PYTHON: 'local.python',
  LABS_EMR_RELEASE: 'emr.releaseLabel',
  LABS_BUCKET: 'emr.bucket',
  LABS_SUBNETS: 'emr.subnetIds',
  LABS_SANDBOX_PORT: 'sandbox.port',
  LABS_SANDBOX_IDLE_TIMEOUT: 'sandbox.idleTimeoutSeconds',
};

import type { StepRecord } from '../../core/run/run-record.js';
import { stepLogKey } from '../../core/emr/layout.js';
import { InputError } from '../../core/errors.js';
import { getObjectText } from '../../aws/s3.js';
import type { EmrContext } from '../../aws/session.js';

/** A step's stdout or stderr from its cluster's LogUri (gunzipped), for runs whose log was not kept locally. */
export async function emrStepLog(ctx: EmrContext, step: StepRecord, stream: 'stdout' | 'stderr'): Promise<string> {
  if (!step.emr) throw new InputError(`step "${step.name}" never reached EMR (state ${step.state})`, 'a step that never started has no log');
  const { bucket, key } = stepLogKey(step.emr.logUri, step.emr.clusterId, step.emr.stepId, stream);
  const text = await getObjectText(ctx.clients.s3, bucket, key);
  if (text === undefined) throw new InputError(`the ${stream} of step "${step.name}" is not in s3://${bucket}/${key} yet`, 'EMR uploads step logs every few minutes: try again shortly');
  return text;
}

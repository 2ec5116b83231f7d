import type { SandboxDocument } from '../../../app/sandbox.js';
import { EnvironmentError } from '../../../core/errors.js';
import { line } from '../../output.js';

export function printSandbox(doc: SandboxDocument): void {
  line(`sandbox: ${doc.state}${doc.pid ? ` (pid ${doc.pid})` : ''}`);
  if (doc.state !== 'up') return;
  line(`  endpoint  ${doc.endpoint}   (AWS_ENDPOINT_URL for the AWS CLI / SDKs; any credentials)`);
  line(`  cluster   ${doc.clusterId ?? '-'}`);
  line(`  YARN      ${doc.yarnUrl ?? '-'}`);
  line(`  history   ${doc.historyUrl ?? '-'}`);
}

/** A sandbox whose state file says it runs but that does not answer: exit 3, after the document when --json. */
export function deadSandbox(doc: SandboxDocument, documentPrinted: boolean): EnvironmentError {
  const e = new EnvironmentError(`the sandbox (pid ${doc.pid}) is no longer running or answering (its log: ${doc.log})`, 'run `labs sandbox up` to start it again');
  e.documentPrinted = documentPrinted;
  return e;
}

import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';
import { aws } from './errors.js';

export interface Identity {
  account: string;
  arn: string;
}

/** Who we are: the first call of every EMR command, so missing or expired credentials fail fast and clearly. */
export async function callerIdentity(sts: STSClient): Promise<Identity> {
  const out = await aws('check the AWS credentials', () => sts.send(new GetCallerIdentityCommand({})));
  return { account: out.Account ?? '', arn: out.Arn ?? '' };
}

import { CreateDatabaseCommand, GetDatabaseCommand, type GlueClient } from '@aws-sdk/client-glue';
import { aws, errorName, toLabsError } from './errors.js';

// The name comes from the student id module, with every other name a student id maps to.
export { glueDatabaseName } from '../core/student-id.js';

/** The student's own Glue database (labs with catalog: glue create their tables in it), created if missing. */
export async function ensureDatabase(glue: GlueClient, name: string, locationUri: string): Promise<'exists' | 'created'> {
  try {
    await glue.send(new GetDatabaseCommand({ Name: name }));
    return 'exists';
  } catch (e) {
    if (errorName(e) !== 'EntityNotFoundException') throw toLabsError(e, `read Glue database ${name}`);
  }
  await aws(`create Glue database ${name}`, async () => {
    try {
      await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: name, LocationUri: locationUri, Description: 'emr-spark-labs: tables of one student' } }));
    } catch (e) {
      // Another command of the same student made it first: that is the state we wanted.
      if (errorName(e) !== 'AlreadyExistsException') throw e;
    }
  });
  return 'created';
}

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Which persistent app UI was made for which cluster: EMR has no call to list them, so `labs ui` remembers. */
export interface PersistentUiIds {
  get(clusterId: string): string | undefined;
  set(clusterId: string, id: string): void;
}

/** Kept in LABS_HOME/persistent-ui.json. Ids only: the presigned links they open are never written anywhere. */
export function persistentUiIdsFile(file: string): PersistentUiIds {
  const read = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
    } catch {
      return {}; // none yet, or unreadable: at worst EMR makes one more persistent UI
    }
  };
  return {
    get: (clusterId) => read()[clusterId],
    set(clusterId, id) {
      mkdirSync(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, `${JSON.stringify({ ...read(), [clusterId]: id }, null, 2)}\n`);
      renameSync(tmp, file);
    },
  };
}

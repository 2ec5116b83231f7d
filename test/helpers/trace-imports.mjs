// Preloaded with `node --import`: records every module URL the process resolves into $TRACE_IMPORTS_FILE,
// so a test can prove a command does not load a heavy dependency (the AWS SDK, ink, React).
import { register } from 'node:module';

register('./trace-imports-hooks.mjs', import.meta.url, { data: { file: process.env.TRACE_IMPORTS_FILE } });

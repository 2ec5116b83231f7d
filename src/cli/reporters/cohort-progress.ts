import { progressLine, type CohortProgress } from '../../core/cohort-progress.js';

/**
 * stderr for a bulk cohort command: the students' messages, and one progress line with counts and an ETA. On a TTY
 * the progress line is redrawn in place under the messages; without one it is a plain line every 10 s and at the end.
 * With --json: the messages only (stdout carries the document alone).
 */
export function cohortReporter(o: { json?: boolean | undefined; dim: (s: string) => string; stream?: NodeJS.WriteStream }) {
  const out = o.stream ?? process.stderr;
  const tty = Boolean(out.isTTY);
  let shown: string | undefined;
  let lastPlain = 0;
  const clear = () => (tty && shown !== undefined ? out.write('\r\u001b[2K') : true);
  return {
    message(m: string): void {
      clear();
      out.write(`${o.dim(m)}\n`);
      if (tty && shown !== undefined) out.write(shown);
    },
    progress: o.json
      ? undefined
      : (p: CohortProgress): void => {
          const text = progressLine(p);
          const last = p.remaining === 0;
          if (tty) {
            clear();
            out.write(last ? `${text}\n` : text);
            shown = last ? undefined : text;
          } else if (last || Date.now() - lastPlain >= 10_000) {
            out.write(`${text}\n`);
            lastPlain = Date.now();
          }
        },
  };
}

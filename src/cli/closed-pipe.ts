/**
 * `labs list | head -1`: once the reader closes the pipe, further writes fail with EPIPE, which Node raises as an
 * unhandled 'error' event (a stack). The output nobody reads is dropped and the command goes on to its normal end,
 * so a run or a cluster command piped into `head` still finishes what it started and exits with its own code.
 */
export function dropOutputOnClosedPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    stream.write = (() => true) as typeof stream.write;
  });
}

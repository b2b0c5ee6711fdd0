// Loaded with `--import` into each child of the supervisor (`floodgate up`) and of the test harness
// (see node-source-args.ts). The parent opens an IPC channel to the child; when it closes (the parent
// exited, even by SIGKILL) the child sends itself SIGTERM and shuts down as usual, so no server is
// left running without the process that started it.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
  });
}

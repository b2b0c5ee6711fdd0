// Loaded into each supervised child with `--import`. The supervisor opens an IPC channel to every
// child; when it closes (the supervisor exited, even by SIGKILL) the child sends itself SIGTERM and
// shuts down as usual, so no server is left running without its supervisor.
if (process.channel) {
  process.channel.unref();
  process.once('disconnect', () => {
    process.kill(process.pid, 'SIGTERM');
  });
}

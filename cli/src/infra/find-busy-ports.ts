import { createServer } from 'node:net';

/** The ports among `ports` that cannot be bound on `host` right now (another process has them). */
export async function findBusyPorts(ports: readonly number[], host: string): Promise<number[]> {
  const busy: number[] = [];
  for (const port of ports) if (!(await canListen(port, host))) busy.push(port);
  return busy;
}

function canListen(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

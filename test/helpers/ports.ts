/** Loopback ports for tests: a free one, and a TCP server that accepts and never answers. */
import { createServer, type Socket } from 'node:net';

/** A port nothing listens on right now (listen on 0, close): a server may take it, a client is refused. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface SilentServer {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  port: number;
  /** Destroys the open connections and stops listening. */
  close(): Promise<void>;
}

/** Accepts connections, reads what comes, never answers: a peer too slow for any timeout. */
export async function startSilentServer(): Promise<SilentServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

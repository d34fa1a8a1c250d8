import net from "node:net";

/**
 * A TCP proxy in front of a Postgres, on 127.0.0.1, that can go silent: `stall()` stops carrying bytes
 * either way on every connection, open or new, as a network partition or a frozen server does (no
 * reset, no error: the client just never hears back). `resume()` carries them again. `strand()` silences
 * only the connections open now, for good, as a failover does to a client's old connections (their
 * server is gone without a word) while new ones reach the new server. With `strandOn`, a connection is
 * stranded the moment its client sends bytes that contain it (a query's text): the failover lands at
 * that point of the conversation.
 */
export async function stallProxy(target: { host: string; port: number }, { strandOn }: { strandOn?: string } = {}) {
  let isStalled = false;
  // Bytes sent while stalled, in order, each with the socket it is for: delivered on resume, as TCP
  // delivers what it retransmits once a partition heals.
  const held: [net.Socket, Buffer][] = [];
  const pairs = new Set<[net.Socket, net.Socket]>();
  const stranded = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const carry = (to: net.Socket) => (data: Buffer) => {
      if (strandOn !== undefined && to === upstream && data.includes(strandOn)) stranded.add(client).add(upstream);
      if (stranded.has(to)) return;
      if (isStalled) held.push([to, data]);
      else to.write(data);
    };
    client.on("data", carry(upstream));
    upstream.on("data", carry(client));
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    /** `url` with its host and port replaced by the proxy's. */
    urlFor: (url: string) => {
      const u = new URL(url);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    stall: () => {
      isStalled = true;
    },
    resume: () => {
      isStalled = false;
      for (const [to, data] of held.splice(0)) if (!to.destroyed) to.write(data);
    },
    /** Silences the connections open now for good; returns how many. */
    strand: () => {
      for (const [client, upstream] of pairs) {
        stranded.add(client);
        stranded.add(upstream);
      }
      return pairs.size;
    },
    /** Connections carried now (a client's that closed its end is gone from here). */
    open: () => pairs.size,
    close: async () => {
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

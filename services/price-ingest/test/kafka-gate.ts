import { type AddressInfo, connect, createServer, type Server, type Socket } from 'node:net';
import { testKafkaBrokers } from '@cpt/testkit';
import { type ISocketFactory, Kafka, logLevel } from 'kafkajs';

/** Kafka's API keys of the requests the tests act on. */
export const API = { produce: 0, initProducerId: 22, addPartitionsToTxn: 24, addOffsetsToTxn: 25, endTxn: 26 } as const;

/**
 * What becomes of one request a client sends: `pass` it on; `hold` it (and whatever follows it on
 * its connection) until `release()`; `drop` the connection without passing it on; or pass it on
 * and `answerLost`: the broker gets it, the client's connection breaks before the answer arrives.
 */
export type Verdict = 'pass' | 'hold' | 'drop' | 'answerLost';

interface Link {
  client: Socket;
  upstream: Socket | undefined;
  held: Buffer[];
}

/**
 * A relay between kafkajs clients and the test broker that reads the requests going through it, so
 * that a test can stall a broker, lose a request or lose an answer exactly where it wants: a
 * broker restart on demand. Every connection of a client made by `kafka()` goes through it, the
 * brokers the cluster's metadata names included.
 */
export class KafkaGate {
  /** Decides each request's fate, by its API key; everything passes by default. */
  rule: (apiKey: number) => Verdict = () => 'pass';
  /** The API keys of the requests that were not simply passed on, in order. */
  readonly acted: { apiKey: number; verdict: Verdict }[] = [];
  private readonly links = new Set<Link>();

  private constructor(private readonly server: Server) {}

  static async start(): Promise<KafkaGate> {
    let gate: KafkaGate | undefined;
    const server = createServer((client) => gate?.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    gate = new KafkaGate(server);
    return gate;
  }

  /** A kafkajs client of the test brokers whose connections go through the gate. */
  kafka(clientId: string, requestTimeoutMs = 30_000): Kafka {
    const { port } = this.server.address() as AddressInfo;
    // Each connection first names the broker it is for; kafkajs writes only once it is connected.
    const socketFactory: ISocketFactory = ({ host, port: brokerPort, onConnect }) => {
      const socket = connect({ host: '127.0.0.1', port }, () => {
        socket.write(`${host}:${brokerPort}\n`);
        onConnect();
      });
      return socket;
    };
    return new Kafka({
      clientId,
      brokers: testKafkaBrokers(),
      socketFactory,
      connectionTimeout: 3000,
      requestTimeout: requestTimeoutMs,
      retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
      logLevel: logLevel.NOTHING,
    });
  }

  /** Sends on what was held, in order; later requests meet the rule again. */
  release(): void {
    for (const link of this.links) {
      const held = link.held;
      link.held = [];
      for (const frame of held) link.upstream?.write(frame);
    }
  }

  async close(): Promise<void> {
    for (const link of this.links) this.cut(link);
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private cut(link: Link): void {
    link.client.destroy();
    link.upstream?.destroy();
    this.links.delete(link);
  }

  private accept(client: Socket): void {
    const link: Link = { client, upstream: undefined, held: [] };
    this.links.add(link);
    let buffer = Buffer.alloc(0);
    client.on('error', () => undefined);
    client.on('close', () => this.cut(link));
    client.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (!link.upstream) {
        const nl = buffer.indexOf(10);
        if (nl < 0) return;
        const [host, port] = buffer.subarray(0, nl).toString().split(':');
        buffer = buffer.subarray(nl + 1);
        const upstream = connect({ host: host as string, port: Number(port) });
        link.upstream = upstream;
        upstream.on('error', () => undefined);
        upstream.on('close', () => this.cut(link));
        upstream.on('data', (d: Buffer) => {
          if (!client.destroyed) client.write(d);
        });
      }
      // Requests are framed by a 4-byte size; the API key is the first field of the header.
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readInt32BE(0)) {
        const size = 4 + buffer.readInt32BE(0);
        const frame = buffer.subarray(0, size);
        buffer = buffer.subarray(size);
        this.forward(link, frame);
      }
    });
  }

  private forward(link: Link, frame: Buffer): void {
    const apiKey = frame.readInt16BE(4);
    // Behind a held request, everything waits: a connection keeps its order.
    const verdict = link.held.length > 0 ? 'hold' : this.rule(apiKey);
    if (verdict !== 'pass') this.acted.push({ apiKey, verdict });
    if (verdict === 'pass') link.upstream?.write(frame);
    else if (verdict === 'hold') link.held.push(frame);
    else if (verdict === 'drop') this.cut(link);
    else {
      const upstream = link.upstream;
      upstream?.write(frame);
      // The client hears nothing more; the broker has the request and handles it.
      link.upstream = undefined;
      this.cut(link);
      setTimeout(() => upstream?.destroy(), 1000);
    }
  }
}

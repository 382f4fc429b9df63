import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, launchService, type RunningService, type ServiceName } from '@cpt/testkit';
import type { HttpLog } from './http-log.js';

/** One instance of a service: its address stays the same across the processes that serve it. */
export interface Instance {
  service: ServiceName;
  /** 1-based, per service. */
  index: number;
  name: string;
  port: number;
  url: string;
  /** How many processes have served it so far. */
  generation: number;
  process: RunningService | undefined;
  /** Whether the load may be sent to it (a load balancer's view: false while it drains or is down). */
  serving: boolean;
  inflight: number;
}

export interface FleetOptions {
  databaseUrl: string;
  brokers: readonly string[];
  env: Record<ServiceName, Record<string, string>>;
  logDir: string;
  readyTimeoutMs: number;
  http: HttpLog;
  /** A checkout whose build to run (`<dir>/services/<name>/dist/src/main.js`) instead of this one's. */
  servicesFrom?: string | undefined;
}

/** The answer to a request: its status and body text. */
export interface Answer {
  status: number;
  body: string;
}

/** The services, in the order they are started, listed and rolled. */
export const SERVICES: readonly ServiceName[] = ['price-ingest', 'position', 'gateway'];

/** The service processes of the run, each behind a fixed address, each started, stopped and killed on its own. */
export class Fleet {
  readonly instances: Instance[] = [];
  /** Exit codes of the processes stopped with SIGTERM, by instance name and generation. */
  readonly exits: { name: string; generation: number; code: number | null; ms: number }[] = [];

  constructor(private readonly o: FleetOptions) {
    mkdirSync(o.logDir, { recursive: true });
  }

  async add(service: ServiceName, index: number): Promise<Instance> {
    const port = await freePort();
    const inst: Instance = {
      service,
      index,
      name: `${service}-${index}`,
      port,
      url: `http://127.0.0.1:${port}`,
      generation: 0,
      process: undefined,
      serving: false,
      inflight: 0,
    };
    // In the order of the services, then of their indexes, however the adds interleave.
    this.instances.push(inst);
    this.instances.sort((a, b) => SERVICES.indexOf(a.service) - SERVICES.indexOf(b.service) || a.index - b.index);
    await this.start(inst);
    return inst;
  }

  of(service: ServiceName): Instance[] {
    return this.instances.filter((i) => i.service === service);
  }

  /** The instance `index` of the service when it takes load, else another one that does. */
  pick(service: ServiceName, index: number): Instance | undefined {
    const all = this.of(service);
    return all.find((i) => i.index === index && i.serving) ?? all.find((i) => i.serving);
  }

  /** Starts a new process for the instance on its address and waits until it is ready. */
  async start(inst: Instance): Promise<void> {
    inst.generation++;
    inst.process = await launchService(inst.service, {
      databaseUrl: this.o.databaseUrl,
      kafkaBrokers: this.o.brokers,
      env: { ...this.o.env[inst.service], PORT: String(inst.port) },
      readyTimeoutMs: this.o.readyTimeoutMs,
      logFile: join(this.o.logDir, `${inst.name}.${inst.generation}.log`),
      ...(this.o.servicesFrom && { entry: join(this.o.servicesFrom, 'services', inst.service, 'dist', 'src', 'main.js') }),
    });
    inst.serving = true;
  }

  /** Takes the instance out of the load and waits for what was sent to it to be answered. */
  async drain(inst: Instance, timeoutMs = 15_000): Promise<void> {
    inst.serving = false;
    const deadline = Date.now() + timeoutMs;
    while (inst.inflight > 0 && Date.now() < deadline) await sleep(20);
  }

  /** Drains the instance, then SIGTERM: its graceful shutdown. Resolves to the exit code. */
  async terminate(inst: Instance): Promise<number | null> {
    await this.drain(inst);
    const started = Date.now();
    const code = (await inst.process?.stop()) ?? null;
    this.exits.push({ name: inst.name, generation: inst.generation, code, ms: Date.now() - started });
    inst.process = undefined;
    return code;
  }

  /** SIGKILL: the process crashes, with whatever it had in flight. */
  async kill(inst: Instance): Promise<void> {
    inst.serving = false;
    // Gone before it dies: a request it cuts off is then known to be cut by the crash.
    const process = inst.process;
    inst.process = undefined;
    await process?.kill();
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.instances.filter((i) => i.process).map((i) => this.terminate(i).catch(() => undefined)));
  }

  /** Sends a request to the instance, recording the answer (or its absence) in the run's HTTP log. */
  async call(
    inst: Instance,
    what: string,
    path: string,
    init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer | undefined> {
    inst.inflight++;
    // A request in flight when its process is killed is cut by the crash, not left unanswered by a
    // process that was up.
    const process = inst.process;
    try {
      const r = await fetch(`${inst.url}${path}`, {
        method: init.method ?? 'GET',
        headers: init.body === undefined ? init.headers : { 'content-type': 'application/json', ...init.headers },
        body: init.body === undefined ? null : JSON.stringify(init.body),
        signal: AbortSignal.timeout(30_000),
      });
      const body = await r.text();
      this.o.http.answered(inst.service, inst.name, what, r.status, body);
      return { status: r.status, body };
    } catch (err) {
      if (inst.process !== process) this.o.http.cutByCrash(inst.name, what);
      else this.o.http.failed(inst.name, what, err);
      return undefined;
    } finally {
      inst.inflight--;
    }
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchService, type RunningService, type ServiceName } from '../../libs/testkit/src/services.js';
import { BENCH_SERVICE_ENV } from './bench-env.js';

/**
 * The three services as processes (exactly as `make up` runs them), started when a stage first
 * needs them and stopped together at the end, with a rate limit no run reaches
 * (`BENCH_SERVICE_ENV`). With a profile directory, each writes a V8 CPU profile under
 * `<dir>/<service>/` when it exits (what `--cpu-prof` does; see cpu-profile.mjs).
 */
export class BenchServices {
  private readonly running = new Map<ServiceName, RunningService>();

  constructor(
    private readonly base: {
      databaseUrl: string;
      kafkaBrokers: readonly string[];
      profileDir: string | undefined;
      /** When set, each service's log lines are written there when it stops. */
      logsDir?: string | undefined;
      logLevel?: string | undefined;
    },
  ) {}

  get(name: ServiceName): RunningService | undefined {
    return this.running.get(name);
  }

  async start(name: ServiceName, env: Record<string, string> = {}): Promise<RunningService> {
    const had = this.running.get(name);
    if (had) return had;
    const profile: Record<string, string> = {};
    if (this.base.profileDir) {
      const dir = resolve(join(this.base.profileDir, name));
      mkdirSync(dir, { recursive: true });
      profile.NODE_OPTIONS = `--import=${fileURLToPath(new URL('./cpu-profile.mjs', import.meta.url))}`;
      profile.BENCH_CPU_PROFILE_DIR = dir;
    }
    const s = await launchService(name, {
      databaseUrl: this.base.databaseUrl,
      kafkaBrokers: this.base.kafkaBrokers,
      env: { ...BENCH_SERVICE_ENV, LOG_LEVEL: this.base.logLevel ?? 'info', ...profile, ...env },
    });
    this.running.set(name, s);
    return s;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.values()].map((s) => s.stop()));
    if (this.base.logsDir) {
      mkdirSync(this.base.logsDir, { recursive: true });
      for (const [name, s] of this.running) {
        writeFileSync(join(this.base.logsDir, `${name}.log`), s.logs.map((l) => JSON.stringify(l)).join('\n'));
      }
    }
    this.running.clear();
  }
}

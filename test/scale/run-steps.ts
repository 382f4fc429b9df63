import type { ServiceName } from '@cpt/testkit';
import { cluster } from './cluster.js';
import { type Fleet, SERVICES, sleep } from './fleet.js';
import type { Plan } from './plan.js';
import type { Report } from './report.js';

/** A moment something was done to the system: the marks stall is measured from it. */
export interface Fault {
  /** Epoch milliseconds. */
  at: number;
  label: string;
}

export interface StepsOptions {
  plan: Plan;
  fleet: Fleet;
  report: Report;
  t0: number;
}

/** Runs the plan's steps (the load runs meanwhile) and returns the faults, in order. */
export async function runSteps({ plan, fleet, report }: StepsOptions): Promise<Fault[]> {
  const faults: Fault[] = [];
  const fault = (label: string): void => {
    faults.push({ at: Date.now(), label });
    report.event(label);
  };
  for (const step of plan.steps) {
    if (step.do === 'load') {
      await sleep(step.seconds * 1000);
    } else if (step.do === 'kill-broker') {
      const node = step.node === 'leader' ? Number((await cluster('leader')).trim()) : step.node;
      if (!(node >= 1 && node <= 3)) throw new Error(`no active controller found (${node})`);
      fault(`SIGKILL Kafka node ${node}${step.node === 'leader' ? ' (the active controller)' : ''}`);
      await cluster('kill', String(node));
      await sleep(step.downSeconds * 1000);
      fault(`Kafka node ${node} starting again`);
      await cluster('start', String(node));
      report.event(`Kafka node ${node} started`);
      await cluster('wait-isr', '180');
      report.event('every partition fully replicated again');
    } else if (step.do === 'kill-position') {
      const inst = fleet.of('position')[step.index - 1];
      if (!inst) throw new Error(`no position instance ${step.index}`);
      fault(`SIGKILL ${inst.name}`);
      await fleet.kill(inst);
      await sleep(step.downSeconds * 1000);
      report.event(`starting ${inst.name} again`);
      await fleet.start(inst);
      fault(`${inst.name} ready again (joins the consumer group)`);
    } else {
      const roll = async (service: ServiceName): Promise<void> => {
        for (const inst of fleet.of(service)) {
          report.event(`rolling restart: ${inst.name} out of the load, draining`);
          await fleet.drain(inst);
          fault(`SIGTERM ${inst.name} (rolling restart)`);
          const code = await fleet.terminate(inst);
          if (code !== 0) report.problem(`${inst.name} exited with ${code} after SIGTERM (a graceful shutdown exits 0)`);
          await fleet.start(inst);
          // A new position process joins the consumer group: its partitions move once more.
          if (service === 'position') fault(`${inst.name}: new process ready (joins the consumer group)`);
          else report.event(`${inst.name}: new process ready and back in the load`);
          await sleep(step.pauseSeconds * 1000);
        }
      };
      if (step.servicesAtOnce) await Promise.all(SERVICES.map(roll));
      else for (const service of SERVICES) await roll(service);
    }
  }
  return faults;
}

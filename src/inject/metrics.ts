import { Counter, type Registry } from 'prom-client';
import { faultCounts } from './events.js';

/** Adds faultline_injected_faults_total{fault} to a prom-client registry, read at scrape time. */
export function registerFaultMetrics(registry: Registry): void {
  new Counter({
    name: 'faultline_injected_faults_total',
    help: 'Times each in-process fault was applied.',
    labelNames: ['fault'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [fault, count] of faultCounts()) this.inc({ fault }, count);
    },
  });
}

// The workload of chapter 3: a fixed CPU-bound job. It reports wall time over CPU time, which is
// 1.0 when the job has a CPU to itself and grows as busy neighbours take CPU from it.
export function contention() {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let sum = 0;
  for (let round = 0; round < 5; round += 1) {
    const until = process.cpuUsage(cpuBefore);
    while (process.cpuUsage(cpuBefore).user - until.user < 60_000) sum += Math.sqrt(sum + round);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const wallMs = performance.now() - started;
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return {
    wallMs: Math.round(wallMs),
    cpuMs: Math.round(cpuMs),
    ratio: Math.round((wallMs / cpuMs) * 100) / 100,
  };
}

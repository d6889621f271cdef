// The workload of chapter 3: a CPU-bound job timed per iteration, as the book times its π
// computation. Each iteration does a fixed 40 ms of CPU work, so its wall time grows only when
// something else takes the CPU from it. A probe times 7 iterations and takes the fastest: a
// neighbour that holds the CPU slows every iteration, while a burst of other work on the machine
// (another test file, a build) slows only some, and so does not decide the result.
//
// The book's steady state is the time an iteration took before the fault, and its hypothesis is
// that this time stays the same. So the first measurement in a run (the steady state checked
// before the method starts any neighbour) is kept as the job's time alone, and every measurement
// reports its slowdown against it: a machine that is busy anyway is compared with itself, not
// with an idle one.
const CPU_PER_ITERATION_US = 40_000;
const ITERATIONS = 7;

let aloneMs;
/** Kept so the engine cannot drop the work as unused. */
export let lastSum = 0;

const round2 = (value) => Math.round(value * 100) / 100;

export function contention() {
  const iterationsMs = [];
  let sum = 0;
  for (let iteration = 0; iteration < ITERATIONS; iteration += 1) {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    for (;;) {
      const cpu = process.cpuUsage(cpuBefore);
      if (cpu.user + cpu.system >= CPU_PER_ITERATION_US) break;
      for (let step = 0; step < 1000; step += 1) sum += Math.sqrt(sum + step);
    }
    iterationsMs.push(performance.now() - started);
  }
  lastSum = sum;
  const iterationMs = Math.min(...iterationsMs);
  aloneMs ??= iterationMs;
  return {
    cpuPerIterationMs: CPU_PER_ITERATION_US / 1000,
    iterationMs: round2(iterationMs),
    aloneMs: round2(aloneMs),
    slowdown: round2(iterationMs / aloneMs),
    iterationsMs: iterationsMs.map(round2),
  };
}

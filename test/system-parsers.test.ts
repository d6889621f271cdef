import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseOomKills } from '../src/system/kernel-log.js';
import {
  cpuPercent,
  parseDiskstats,
  parseKernelStat,
  parseKeyValueLines,
  parseMeminfo,
  parseNetDev,
  parsePressure,
  parseProcessStat,
  parseSnmp,
} from '../src/system/proc-parsers.js';
import { describeExit } from '../src/system/processes.js';
import { injectExpression, parseInjected } from '../src/system/strace.js';
import { parseStressSpec } from '../src/system/stress-spec.js';
import { parseBytes } from '../src/system/units.js';

describe('/proc parsers', () => {
  test('/proc/stat: CPU times, per-CPU lines, context switches, runnable and blocked', () => {
    const stat = parseKernelStat(
      'cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 50 0 25 400 25 0 0 0\ncpu1 50 0 25 400 25 0 0 0\nctxt 999\nprocesses 42\nprocs_running 3\nprocs_blocked 1\n',
    );
    assert.equal(stat.perCpu.length, 2);
    assert.deepEqual([stat.contextSwitches, stat.forks, stat.running, stat.blocked], [999, 42, 3, 1]);
    const later = { ...stat.cpu, user: 200, idle: 850 };
    const percent = cpuPercent(stat.cpu, later);
    assert.equal(percent.user, 66.7);
    assert.equal(percent.busy, 66.7);
  });

  test('meminfo in bytes; diskstats, net/dev, snmp, pressure and PID stat fields', () => {
    assert.deepEqual(parseKeyValueLines('nr_periods 13\nnr_throttled 4\n'), {
      nr_periods: 13,
      nr_throttled: 4,
    });
    assert.equal(parseMeminfo('MemTotal:       16384 kB\nHugePages_Total:       0\n').MemTotal, 16384 * 1024);
    const [disk] = parseDiskstats(' 254       0 vda 100 0 800 10 200 0 1600 20 0 30 40 0 0 0 0\n');
    assert.deepEqual(disk, {
      device: 'vda',
      reads: 100,
      sectorsRead: 800,
      writes: 200,
      sectorsWritten: 1600,
      ioMilliseconds: 30,
      weightedMilliseconds: 40,
    });
    const [lo] = parseNetDev(
      'Inter-|   Receive\n face |bytes\n    lo: 1000 10 1 2 0 0 0 0 2000 20 3 4 0 0 0 0\n',
    );
    assert.deepEqual(
      [lo!.name, lo!.rxBytes, lo!.txPackets, lo!.rxDrops, lo!.txErrors],
      ['lo', 1000, 20, 2, 3],
    );
    const tcp = parseSnmp(
      'Tcp: RtoAlgorithm OutSegs RetransSegs\nTcp: 1 500 7\nUdp: InDatagrams\nUdp: 3\n',
      'Tcp',
    );
    assert.deepEqual(tcp, { RtoAlgorithm: 1, OutSegs: 500, RetransSegs: 7 });
    assert.deepEqual(
      parsePressure(
        'some avg10=1.50 avg60=0.20 avg300=0.00 total=1\nfull avg10=0.50 avg60=0.10 avg300=0.00 total=1\n',
      ),
      { someAvg10: 1.5, someAvg60: 0.2, fullAvg10: 0.5, fullAvg60: 0.1 },
    );
    const stat = parseProcessStat('42 (my (odd) name) S 1 42 42 0 -1 0 0 0 0 0 150 50 0 0 20 0 7 0 1234 0 0');
    assert.deepEqual(
      [stat.pid, stat.command, stat.state, stat.cpuTicks, stat.threads],
      [42, 'my (odd) name', 'S', 200, 7],
    );
  });
});

describe('kernel log and process forensics', () => {
  test('a memory-cgroup OOM kill is read with its pid, command, cgroup and RSS', () => {
    const kills = parseOomKills(
      [
        '[ 7982.343881] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/faultline/hog,task_memcg=/faultline/hog,task=node,pid=20853,uid=0',
        '[ 7982.343948] Memory cgroup out of memory: Killed process 20853 (node) total-vm:1041092kB, anon-rss:50432kB, file-rss:2144kB, shmem-rss:0kB, UID:0 pgtables:552kB oom_score_adj:0',
        '[ 8000.000001] Out of memory: Killed process 999 (mystery001) total-vm:3058268kB, anon-rss:3055776kB',
      ].join('\n'),
    );
    assert.equal(kills.length, 2);
    assert.deepEqual(
      { ...kills[0], line: undefined },
      {
        at: 7982.343948,
        pid: 20853,
        command: 'node',
        cgroup: '/faultline/hog',
        anonRssKb: 50432,
        line: undefined,
      },
    );
    assert.equal(kills[1]!.cgroup, undefined, 'a machine-wide OOM has no cgroup');
    assert.equal(kills[1]!.command, 'mystery001');
  });

  test('exit statuses decode as the shell shows them: 143 is SIGTERM, 137 SIGKILL', () => {
    assert.equal(describeExit(143, null), 'exited with 143 (128 + 15: SIGTERM, by convention)');
    assert.equal(describeExit(null, 'SIGKILL'), 'killed by SIGKILL (exit status 137)');
    assert.equal(describeExit(0, null), 'exited with 0');
  });

  test("strace's inject expression is checked part by part, and INJECTED lines are read back", () => {
    assert.equal(
      injectExpression({ syscall: 'write', error: 'EIO', when: '1+2' }),
      'write:error=EIO:when=1+2',
    );
    assert.equal(injectExpression({ syscall: 'read', delayEnterMs: 1.5 }), 'read:delay_enter=1500');
    assert.equal(injectExpression({ syscall: 'read', delayEnterMs: 0.3 }), 'read:delay_enter=300');
    assert.throws(
      () => injectExpression({ syscall: 'read', delayEnterMs: 0 }),
      /^BadInput: delay must be more than 0 and at most 60000 ms \(0\.3 is 300 µs\), not 0$/,
    );
    assert.throws(() => injectExpression({ syscall: 'write' }), /what to inject/);
    assert.throws(() => injectExpression({ syscall: 'write', error: 'EWHAT' }), /unknown errno "EWHAT"/);
    assert.throws(() => injectExpression({ syscall: 'wr ite', error: 'EIO' }), /not a syscall name/);
    assert.throws(() => injectExpression({ syscall: 'write', error: 'EIO', when: 'x' }), /invalid when "x"/);
    assert.deepEqual(
      parseInjected(
        '77 write(1, "a", 1) = -1 EIO (Input/output error) (INJECTED)\n77 write(1, "b", 1) = 1\n',
      ),
      [{ pid: 77, call: 'write(1, "a", 1) = -1 EIO (Input/output error) (INJECTED)' }],
    );
  });
});

describe('sizes and stress specs', () => {
  test('sizes take the units stress and cgroups use', () => {
    assert.equal(parseBytes('512M', 'bytes'), 512 * 1024 ** 2);
    assert.equal(parseBytes('1.5GiB', 'bytes'), 1.5 * 1024 ** 3);
    assert.equal(parseBytes(20971520, 'bytes'), 20971520);
    assert.throws(() => parseBytes('lots', 'memory'), /memory must be a size such as 512M/);
  });

  test('a stress spec names each wrong field, and refuses unknown ones and unbounded runs', () => {
    assert.deepEqual(parseStressSpec({ kind: 'cpu', seconds: 5 }), {
      kind: 'cpu',
      workers: 1,
      percent: 100,
      seconds: 5,
    });
    assert.throws(() => parseStressSpec({ kind: 'cpu', percent: 150, seconds: 5 }), /percent/);
    assert.throws(() => parseStressSpec({ kind: 'cpu' }), /seconds/);
    assert.throws(
      () => parseStressSpec({ kind: 'memory', bytes: 'huge', seconds: 1 }),
      /bytes must be a size/,
    );
    assert.throws(() => parseStressSpec({ kind: 'cpu', seconds: 1, cores: 2 }), /cores/);
    assert.throws(() => parseStressSpec({ kind: 'gpu', seconds: 1 }), /kind/);
  });
});

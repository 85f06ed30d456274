import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** utime + stime, and cutime + cstime (reaped children), of a process, in seconds. */
export function procTimes(pid: number | string): { own: number; children: number; comm: string; ppid: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
    const fields = text.slice(text.lastIndexOf(') ') + 2).split(' ');
    // Clock ticks are 100 per second on Linux.
    return {
      comm,
      ppid: Number(fields[1]),
      own: (Number(fields[11]) + Number(fields[12])) / 100,
      children: (Number(fields[13]) + Number(fields[14])) / 100,
    };
  } catch {
    return undefined;
  }
}

/** CPU seconds so far of PostgreSQL (backends, reaped ones included), RabbitMQ (beam.smp) and the machine. Linux only. */
export function cpuSnapshot(): { postgres: number; rabbitmq: number; machineBusy: number } | undefined {
  if (!existsSync('/proc/stat')) return undefined;
  let postgres = 0;
  let rabbitmq = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const times = procTimes(entry);
    if (!times) continue;
    if (times.comm === 'beam.smp') rabbitmq += times.own;
    if (times.comm === 'postgres') postgres += times.own + (procTimes(times.ppid)?.comm === 'postgres' ? 0 : times.children);
  }
  const [user, nice, system, , , irq, softirq] = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  return { postgres, rabbitmq, machineBusy: (user + nice + system + irq + softirq) / 100 };
}

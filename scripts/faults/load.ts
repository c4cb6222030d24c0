/**
 * The fault script's load: a few concurrent clients each send a bounded number of reports (POST /api/cases) with
 * their own Idempotency-Keys and retry with the same key on 5xx and network errors until the report is
 * acknowledged (201, or 200 for a replay). Records what the clients saw and when.
 */
export interface LoadOptions {
  url: () => string;
  token: string;
  clients: number;
  reportsPerClient: number;
  /** Key prefix, unique per run. */
  prefix: string;
  /** Give up (fail) after this long. */
  deadlineMs: number;
  /** Pause between reports of one client. */
  pauseMs: number;
  /** Called once after this many acknowledged reports (to inject a fault mid-load); may be async. */
  faults?: Array<{ afterAcks: number; run: () => Promise<void> }>;
}

export interface LoadResult {
  sent: number;
  acknowledged: Map<string, number>; // key → case id
  attempts: number;
  /** Answers by status ("201", "200", "503", "500", "network: ECONNREFUSED"…), every attempt counted. */
  seen: Record<string, number>;
  /** Periods when no report could be stored: from the first failure to the next success, in seconds. */
  outages: number[];
  refused: string[];
  ms: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const P = [
  [100.0005, 20.0025],
  [100.0015, 20.0015],
  [100.0025, 20.0015],
  [100.0045, 20.0015],
  [100.0065, 20.0015],
];

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  const r: LoadResult = { sent: 0, acknowledged: new Map(), attempts: 0, seen: {}, outages: [], refused: [], ms: 0 };
  let failingSince: number | undefined;
  const pending = [...(o.faults ?? [])].sort((a, b) => a.afterAcks - b.afterAcks);
  const faultRuns: Promise<void>[] = [];
  const note = (k: string) => (r.seen[k] = (r.seen[k] ?? 0) + 1);

  const report = async (client: number, i: number) => {
    const key = `${o.prefix}-${client}-${i}`;
    const [lon, lat] = P[(client + i) % P.length];
    const body = JSON.stringify({
      channel: 'hotline_12345',
      category: 'matter:06010',
      description: `fault-script report ${key}`,
      location: { lon: lon + (i % 7) * 1e-5, lat },
      reporter: { name: '测试', phone: '12345' },
    });
    r.sent++;
    for (;;) {
      if (Date.now() - started > o.deadlineMs)
        throw new Error(`deadline of ${o.deadlineMs} ms passed with ${key} unacknowledged`);
      r.attempts++;
      let status: string;
      let id: number | undefined;
      try {
        const res = await fetch(`${o.url()}/api/cases`, {
          method: 'POST',
          body,
          signal: AbortSignal.timeout(15_000),
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${o.token}`, 'Idempotency-Key': key },
        });
        status = String(res.status);
        const json = (await res.json().catch(() => ({}))) as { id?: number };
        id = json.id;
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause;
        status = `network: ${cause?.code ?? (e as Error).name}`;
      }
      note(status);
      if (status === '201' || status === '200') {
        if (failingSince !== undefined) {
          r.outages.push((Date.now() - failingSince) / 1000);
          failingSince = undefined;
        }
        r.acknowledged.set(key, id!);
        while (pending.length && r.acknowledged.size >= pending[0].afterAcks) faultRuns.push(pending.shift()!.run());
        return;
      }
      if (/^4/.test(status)) {
        r.refused.push(`${key}: ${status}`);
        return;
      }
      failingSince ??= Date.now();
      await sleep(250);
    }
  };

  await Promise.all(
    Array.from({ length: o.clients }, async (_, c) => {
      for (let i = 0; i < o.reportsPerClient; i++) {
        await report(c, i);
        await sleep(o.pauseMs);
      }
    }),
  );
  await Promise.all(faultRuns);
  r.ms = Date.now() - started;
  return r;
}

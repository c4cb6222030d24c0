/**
 * Import jobs a client can poll (`?async=true`): one process keeps them in memory for an hour (the embedded database
 * is opened by one process; with PostgreSQL, poll the instance that took the upload). A job that outlives its process
 * is simply gone: its import either committed (visible in the audit log) or stored nothing.
 */
import { randomUUID } from 'node:crypto';

export type JobState = 'running' | 'done' | 'rejected' | 'failed';

export interface Job<P, R> {
  id: string;
  kind: string;
  state: JobState;
  created_at: string;
  finished_at: string | null;
  progress: P | null;
  /** The summary when done, the problem (problem+json body) when rejected or failed. */
  result: R | null;
  problem: unknown;
}

const KEEP_MS = 3600_000;
const MAX_JOBS = 200;

export class Jobs {
  private jobs = new Map<string, Job<unknown, unknown>>();

  /** Starts `run` in the background; its progress callback updates the job. */
  start<P, R>(
    kind: string,
    run: (progress: (p: P) => void) => Promise<R>,
    problemOf: (e: unknown) => { state: 'rejected' | 'failed'; problem: unknown },
  ): Job<P, R> {
    this.prune();
    const job: Job<P, R> = {
      id: randomUUID(),
      kind,
      state: 'running',
      created_at: new Date().toISOString(),
      finished_at: null,
      progress: null,
      result: null,
      problem: null,
    };
    this.jobs.set(job.id, job as Job<unknown, unknown>);
    run((p) => (job.progress = p))
      .then((r) => {
        job.result = r;
        job.state = 'done';
      })
      .catch((e: unknown) => {
        const p = problemOf(e);
        job.state = p.state;
        job.problem = p.problem;
      })
      .finally(() => (job.finished_at = new Date().toISOString()));
    return job;
  }

  get(id: string, kind: string): Job<unknown, unknown> | undefined {
    const j = this.jobs.get(id);
    return j?.kind === kind ? j : undefined;
  }

  private prune(): void {
    const cutoff = Date.now() - KEEP_MS;
    for (const [id, j] of this.jobs) if (j.finished_at && Date.parse(j.finished_at) < cutoff) this.jobs.delete(id);
    while (this.jobs.size >= MAX_JOBS) {
      const oldest = [...this.jobs.values()].find((j) => j.state !== 'running');
      if (!oldest) break;
      this.jobs.delete(oldest.id);
    }
  }
}

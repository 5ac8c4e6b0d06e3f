// Limits: one object per limited subject (`consumer:<id>`, or a route's rate-limit key such as
// `rl:/api/*:ip:203.0.113.7`), owning its leased quotas, concurrency slots and budget
// (src/limits/subject-book.ts). Isolates lease request and token quotas from it, and an AI request
// of a consumer with a budget or a concurrency limit asks it once to admit, then settles in a batch.
import { DurableObject } from "cloudflare:workers";
import type { LeaseGrant, QuotaPolicy, RenewRequest } from "../src/limits/lease";
import {
  type Admission,
  type AdmitAnswer,
  admit,
  leaseFor,
  newSubject,
  type Settlement,
  type SubjectState,
  settle,
} from "../src/limits/subject-book";

const KEY = "subject";

export class Limits extends DurableObject<Env> {
  /** Replaced in tests to drive time. */
  now: () => number = () => Date.now();
  private cached?: SubjectState;

  private load(): SubjectState {
    this.cached ??= this.ctx.storage.kv.get<SubjectState>(KEY) ?? newSubject();
    return this.cached;
  }

  private save(): void {
    if (this.cached) this.ctx.storage.kv.put(KEY, this.cached);
  }

  async lease(quota: string, policy: QuotaPolicy, request: RenewRequest): Promise<LeaseGrant> {
    const grant = leaseFor(this.load(), quota, policy, request, this.now());
    this.save();
    return grant;
  }

  async admit(admission: Admission): Promise<AdmitAnswer> {
    const answer = admit(this.load(), admission, this.now());
    this.save();
    return answer;
  }

  /** Returns the budget thresholds (percent) these settlements crossed, each once per period. */
  async settle(items: Settlement[]): Promise<number[]> {
    const crossed = settle(this.load(), items, this.now());
    this.save();
    return crossed;
  }

  async state(): Promise<SubjectState> {
    return this.load();
  }
}

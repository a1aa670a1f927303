/** Fault injection: the next N requests of a route misbehave in one of a few ways real networks and Datadog do. */
export type RouteName = 'intake' | 'otlp' | 'search' | 'validate';

export const ROUTE_NAMES: readonly RouteName[] = ['intake', 'otlp', 'search', 'validate'];

export type Fault =
  /** Answer `status` (body optional); `retryAfter` / `rateLimitReset` add those headers (seconds). */
  | { type: 'status'; status: number; count?: number; retryAfter?: number; rateLimitReset?: number; body?: string }
  /** Read the request and never answer (the client's timeout must fire); ended by close() or reset(). */
  | { type: 'hang'; count?: number }
  /** Read the request, then destroy the socket without an answer. */
  | { type: 'destroy'; count?: number }
  /** Wait `ms` before handling the request normally. */
  | { type: 'delay'; ms: number; count?: number }
  /** Search only: answer normally but with `meta.status: "timeout"` and a warning (partial results). */
  | { type: 'search_timeout'; count?: number };

interface Pending {
  fault: Fault;
  remaining: number;
}

export class FaultQueue {
  private readonly queues = new Map<RouteName, Pending[]>();

  add(route: RouteName, fault: Fault): void {
    const count = fault.count ?? 1;
    if (!Number.isInteger(count) || count < 1) throw new Error(`fault count must be a positive integer`);
    const q = this.queues.get(route) ?? [];
    q.push({ fault, remaining: count });
    this.queues.set(route, q);
  }

  /** The fault for the next request of `route`, consuming one use of it. */
  take(route: RouteName): Fault | undefined {
    const q = this.queues.get(route);
    const head = q?.[0];
    if (q === undefined || head === undefined) return undefined;
    head.remaining--;
    if (head.remaining <= 0) q.shift();
    return head.fault;
  }

  pending(route: RouteName): number {
    return (this.queues.get(route) ?? []).reduce((n, p) => n + p.remaining, 0);
  }

  clear(): void {
    this.queues.clear();
  }
}

export function isRouteName(s: unknown): s is RouteName {
  return typeof s === 'string' && (ROUTE_NAMES as readonly string[]).includes(s);
}

/** Validates a fault that came over the control API. Returns an error message or the fault. */
export function parseFault(v: unknown): Fault | string {
  if (typeof v !== 'object' || v === null) return 'fault must be an object';
  const f = v as Record<string, unknown>;
  const count = f.count;
  if (count !== undefined && (typeof count !== 'number' || !Number.isInteger(count) || count < 1)) {
    return 'count must be a positive integer';
  }
  const num = (k: string): number | undefined => (typeof f[k] === 'number' ? (f[k] as number) : undefined);
  switch (f.type) {
    case 'status': {
      const status = num('status');
      if (status === undefined || status < 100 || status > 599) return 'status must be an HTTP status';
      return {
        type: 'status',
        status,
        count: count as number | undefined,
        retryAfter: num('retryAfter'),
        rateLimitReset: num('rateLimitReset'),
        body: typeof f.body === 'string' ? f.body : undefined,
      };
    }
    case 'hang':
    case 'destroy':
    case 'search_timeout':
      return { type: f.type, count: count as number | undefined };
    case 'delay': {
      const ms = num('ms');
      if (ms === undefined || ms < 0) return 'delay needs ms >= 0';
      return { type: 'delay', ms, count: count as number | undefined };
    }
    default:
      return 'type must be one of status, hang, destroy, delay, search_timeout';
  }
}

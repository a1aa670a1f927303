/** The rows `log-store verify` prints: one per check, with what is wrong and what to do. */
export type CheckResult = 'ok' | 'FAILED' | 'skipped';

export interface CheckRow {
  check: string;
  result: CheckResult;
  detail: string;
  /** What to do; empty when there is nothing to do. */
  hint: string;
}

export interface VerifyRequest {
  roundtrip: boolean;
  timeoutMs: number;
}

export function row(check: string, result: CheckResult, detail: string, hint = ''): CheckRow {
  return { check, result, detail, hint };
}

export function skipped(check: string, why: string): CheckRow {
  return row(check, 'skipped', why);
}

/**
 * The code paths a process took, by name (`run:datadog`), for bin/run-with-code-cache.cjs: V8's code cache holds the
 * functions that the run which wrote it compiled, so a cache written by a local-store run left the datadog shipping
 * code to be compiled at every datadog start (~12M instructions on Node 20, docs/performance.md). The bin writes the
 * cache again after a run that took a path the cache was not made with.
 */
const taken = new Set<string>();

export function noteCodePath(name: string): void {
  taken.add(name);
}

export function codePathsTaken(): string[] {
  return [...taken];
}

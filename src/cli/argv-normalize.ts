/**
 * argv rewrites made before any parsing (commander's, or run's fast path in run-fast-path.ts): kept apart from
 * program.ts so `dd-logstore run` can apply them without loading commander.
 */
import { RUN_VALUE_FLAGS } from './run-flags.js';

/** ZenML's `-ls` for the log store is two letters, which commander cannot declare: map it before parsing. */
export function normalizeArgv(argv: readonly string[]): string[] {
  argv = insertRunSeparator(argv);
  const end = argv.indexOf('--');
  return argv.map((a, i) => {
    if (end !== -1 && i > end) return a;
    if (a === '-ls') return '--log-store';
    if (a.startsWith('-ls=')) return `--log-store=${a.slice(4)}`;
    return a;
  });
}

/**
 * `dd-logstore run python -u x.py` without `--`: everything from the first word that is not one of run's own flags
 * belongs to the child, so its flags are never taken for ours.
 */
function insertRunSeparator(argv: readonly string[]): readonly string[] {
  let i = 0;
  while (i < argv.length && argv[i] === '--debug') i++;
  if (argv[i] !== 'run') return argv;
  for (i++; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return argv;
    if (!a.startsWith('-')) return [...argv.slice(0, i), '--', ...argv.slice(i)];
    if (RUN_VALUE_FLAGS.includes(a)) i++;
  }
  return argv;
}

/** `dd-logstore help logs tail` is `dd-logstore logs tail --help`, as in gh and kubectl. */
export function helpAsFlag(argv: readonly string[]): readonly string[] {
  return argv[0] === 'help' ? [...argv.slice(1), '--help'] : argv;
}

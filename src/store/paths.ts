/** Where dd-logstore keeps its files: $DD_LOGSTORE_HOME, else $XDG_CONFIG_HOME/dd-logstore, else ~/.config/dd-logstore. */
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface StorePaths {
  home: string;
  config: string;
  lock: string;
  runs: string;
  logs: string;
  spool: string;
  artifacts: string;
}

export function resolveHome(env: NodeJS.ProcessEnv): string {
  if (env.DD_LOGSTORE_HOME) return env.DD_LOGSTORE_HOME;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'dd-logstore');
  return join(homedir(), '.config', 'dd-logstore');
}

export function storePaths(home: string): StorePaths {
  return {
    home,
    config: join(home, 'config.json'),
    lock: join(home, 'config.json.lock'),
    runs: join(home, 'runs'),
    logs: join(home, 'logs'),
    spool: join(home, 'spool'),
    artifacts: join(home, 'artifacts'),
  };
}

/** Where dd-logstore keeps its files: $DD_LOGSTORE_HOME, else $XDG_CONFIG_HOME/dd-logstore, else ~/.config/dd-logstore. */
import { userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { StoreError } from '../core/errors.js';

export interface StorePaths {
  home: string;
  /** What chose the home, for messages: `DD_LOGSTORE_HOME` or `the dd-logstore home`. */
  homeFrom: string;
  config: string;
  lock: string;
  runs: string;
  logs: string;
  spool: string;
  artifacts: string;
}

/**
 * DD_LOGSTORE_HOME is taken as given, a relative one resolved against the current directory once (as gh's
 * GH_CONFIG_DIR and kubectl's KUBECONFIG). A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. An empty
 * HOME counts as unset: os.homedir() would return '' and put the home under the current directory.
 */
export function resolveHome(env: NodeJS.ProcessEnv, passwdHome: () => string = () => userInfo().homedir): string {
  if (env.DD_LOGSTORE_HOME) return resolve(env.DD_LOGSTORE_HOME);
  if (env.XDG_CONFIG_HOME && isAbsolute(env.XDG_CONFIG_HOME)) return join(env.XDG_CONFIG_HOME, 'dd-logstore');
  return join(userHome(env, passwdHome), '.config', 'dd-logstore');
}

/** $HOME when set and not empty, else the passwd entry's home (what os.homedir() does when HOME is unset). */
export function userHome(env: NodeJS.ProcessEnv, passwdHome: () => string = () => userInfo().homedir): string {
  if (env.HOME) return env.HOME;
  let home = '';
  try {
    home = passwdHome();
  } catch {
    // No passwd entry for this uid (a container's random uid): said below.
  }
  if (!home) {
    throw new StoreError('HOME is not set and this user has no home directory in the passwd file', {
      hint: 'set HOME, or DD_LOGSTORE_HOME to the directory dd-logstore should use',
    });
  }
  return home;
}

export function storePaths(home: string, homeFrom = 'the dd-logstore home'): StorePaths {
  return {
    home,
    homeFrom,
    config: join(home, 'config.json'),
    lock: join(home, 'config.json.lock'),
    runs: join(home, 'runs'),
    logs: join(home, 'logs'),
    spool: join(home, 'spool'),
    artifacts: join(home, 'artifacts'),
  };
}

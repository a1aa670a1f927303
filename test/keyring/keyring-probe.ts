/**
 * Decides once, when a test file loads, whether the real OS keychain can be used: it stores, reads back and deletes
 * a throw-away entry under its own service name, with a timeout so a hung keyring daemon cannot hang the suite.
 * Keychain tests skip (saying why) when it cannot, except in CI (`CI=true`), where they must run and fail.
 */
import { describe } from '@jest/globals';
import { createKeyringBackend } from '../../src/secrets/keyring-backend.js';

/** Service name for test entries: never the real `dd-logstore`. */
export const TEST_KEYRING_SERVICE = 'dd-logstore-test';
const PROBE_TIMEOUT_MS = 5000;

export interface KeyringProbe {
  reachable: boolean;
  /** Why not, as one line (the keyring error with its hint). */
  reason: string;
}

export async function probeKeyring(timeoutMs = PROBE_TIMEOUT_MS): Promise<KeyringProbe> {
  const backend = createKeyringBackend({ home: '<home>', service: TEST_KEYRING_SERVICE });
  const name = `probe-${process.pid}`;
  const attempt = (async (): Promise<KeyringProbe> => {
    await backend.set(name, { probe: 'ok' });
    const back = await backend.get(name);
    await backend.delete(name);
    if (back?.probe !== 'ok') return { reachable: false, reason: 'the keychain did not return what was stored' };
    return { reachable: true, reason: 'reachable' };
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<KeyringProbe>((resolve) => {
    timer = setTimeout(
      () => resolve({ reachable: false, reason: `the keychain did not answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (err) {
    const hint = err instanceof Error && 'hint' in err && typeof err.hint === 'string' ? ` (${err.hint})` : '';
    return { reachable: false, reason: `${err instanceof Error ? err.message : String(err)}${hint}` };
  } finally {
    clearTimeout(timer);
  }
}

export function isCI(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI?.toLowerCase();
  return ci === 'true' || ci === '1';
}

/**
 * `describe` when the keychain is reachable or CI is set (so an unreachable keychain fails there), else
 * `describe.skip` after printing why.
 */
export function keychainDescribe(probe: KeyringProbe, env: NodeJS.ProcessEnv): typeof describe | typeof describe.skip {
  if (probe.reachable || isCI(env)) return describe;
  process.stderr.write(
    `keychain tests skipped: ${probe.reason}\n` +
      `  run them for real with: test/keyring/with-keyring.sh <jest command>\n`,
  );
  return describe.skip;
}

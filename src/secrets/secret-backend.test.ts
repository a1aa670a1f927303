import { describe, expect, it } from '@jest/globals';
import { UsageError } from '../core/errors.js';
import { createSecretBackend, secretBackendKind } from './secret-backend.js';

describe('createSecretBackend', () => {
  it('uses the keychain by default and the file only when asked', () => {
    expect(createSecretBackend({ env: {}, home: '/h' }).kind).toBe('keyring');
    expect(createSecretBackend({ env: { DD_LOGSTORE_SECRETS_BACKEND: '' }, home: '/h' }).kind).toBe('keyring');
    expect(createSecretBackend({ env: { DD_LOGSTORE_SECRETS_BACKEND: 'keyring' }, home: '/h' }).kind).toBe('keyring');
    const file = createSecretBackend({ env: { DD_LOGSTORE_SECRETS_BACKEND: 'FILE' }, home: '/h' });
    expect(file.kind).toBe('file');
    expect(file.location).toBe('/h/secrets.json');
  });

  it('rejects anything else naming the variable and the valid values', () => {
    let err: unknown;
    try {
      secretBackendKind({ DD_LOGSTORE_SECRETS_BACKEND: 'vault' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toBe("DD_LOGSTORE_SECRETS_BACKEND='vault' is not a secrets backend");
    expect((err as UsageError).hint).toBe('valid values: keyring, file; keyring is the default');
  });
});

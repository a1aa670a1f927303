import { describe, expect, it } from '@jest/globals';
import { envSecretName, envSecretValue } from './env-secrets.js';

describe('env secrets', () => {
  it.each([
    ['dd', 'api_key', 'DD_LOGSTORE_SECRET_DD_API_KEY'],
    ['datadog-keys', 'application_key', 'DD_LOGSTORE_SECRET_DATADOG_KEYS_APPLICATION_KEY'],
    ['My.Secret', 'x-api-key', 'DD_LOGSTORE_SECRET_MY_SECRET_X_API_KEY'],
  ])('%s.%s is read from %s', (name, key, variable) => {
    expect(envSecretName(name, key)).toBe(variable);
    expect(envSecretValue({ [variable]: 'v' }, name, key)).toBe('v');
  });

  it('treats unset and empty as absent', () => {
    expect(envSecretValue({}, 'dd', 'api_key')).toBeUndefined();
    expect(envSecretValue({ DD_LOGSTORE_SECRET_DD_API_KEY: '' }, 'dd', 'api_key')).toBeUndefined();
  });
});

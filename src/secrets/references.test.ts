import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SecretError, UsageError } from '../core/errors.js';
import { Redactor } from '../io/redact.js';
import { createFileBackend } from './file-backend.js';
import { KeychainUnavailableError } from './keyring-backend.js';
import {
  SecretRefError,
  checkSecretRefs,
  formatSecretRef,
  isMalformedSecretRef,
  isSecretLookingKey,
  parseSecretRef,
  resolveSecretRefs,
} from './references.js';
import type { SecretBackend, SecretValues } from './secret-backend.js';

/** A real, in-memory SecretBackend that counts reads. */
function memoryBackend(secrets: Record<string, SecretValues>): SecretBackend & { reads: number } {
  const b = {
    kind: 'keyring' as const,
    location: 'memory',
    reads: 0,
    async get(name: string) {
      b.reads++;
      return secrets[name] ? { ...secrets[name] } : undefined;
    },
    async set(name: string, values: SecretValues) {
      secrets[name] = { ...values };
    },
    async delete(name: string) {
      return delete secrets[name];
    },
    async list() {
      return Object.keys(secrets).sort();
    },
  };
  return b;
}

function unreachableBackend(): SecretBackend {
  const fail = async (): Promise<never> => {
    throw new KeychainUnavailableError(
      'no-secret-service',
      'the OS keychain is not reachable (no Secret Service on D-Bus)',
      {
        hint: 'start a keyring daemon, or set DD_LOGSTORE_SECRETS_BACKEND=file',
        cause: new Error('native'),
      },
    );
  };
  return { kind: 'keyring', location: 'the OS keychain', get: fail, set: fail, delete: fail };
}

const noBackend = (): SecretBackend => {
  throw new Error('the backend must not be created');
};

describe('parseSecretRef', () => {
  it.each([
    ['{{dd.api_key}}', { name: 'dd', key: 'api_key', syntax: 'braces' }],
    ['<<dd.api_key>>', { name: 'dd', key: 'api_key', syntax: 'angles' }],
    ['{{ dd.api_key }}', { name: 'dd', key: 'api_key', syntax: 'braces' }],
    ['<<  dd . api_key  >>', { name: 'dd', key: 'api_key', syntax: 'angles' }],
    ['{{datadog-keys.app_key-2}}', { name: 'datadog-keys', key: 'app_key-2', syntax: 'braces' }],
    ['{{0.k}}', { name: '0', key: 'k', syntax: 'braces' }],
  ])('%s is a reference', (value, ref) => {
    expect(parseSecretRef(value)).toEqual(ref);
    expect(isMalformedSecretRef(value)).toBe(false);
  });

  it.each([
    ['plain literal', 'abc123'],
    ['empty', ''],
    ['not exact: leading space', ' {{dd.api_key}}'],
    ['not exact: prefix', 'Bearer {{dd.token}}'],
    ['no key', '{{foo}}'],
    ['unclosed', '{{a.b'],
    ['unopened', 'a.b}}'],
    ['empty braces', '{{}}'],
    ['empty key', '{{a.}}'],
    ['empty name', '{{.b}}'],
    ['two dots', '{{a.b.c}}'],
    ['mixed syntax', '{{a.b>>'],
    ['single braces', '{a.b}'],
    ['bad character', '{{a b.c}}'],
    ['angles without key', '<<foo>>'],
  ])('%s (%s) is not a reference', (_label, value) => {
    expect(parseSecretRef(value)).toBeUndefined();
  });

  it.each(['{{foo}}', '{{a.b', '{{}}', '{{a.b.c}}', '{{a.b>>', '<<foo>>', ' {{a.b}}', 'Bearer {{dd.token}}', 'a.b}}'])(
    '%s is malformed',
    (value) => {
      expect(isMalformedSecretRef(value)).toBe(true);
    },
  );

  it.each(['abc123', '', 'datadoghq.com', 'k=v,x=y', '{a.b}', 'a<b>c', '5000'])('%s is a plain literal', (value) => {
    expect(isMalformedSecretRef(value)).toBe(false);
  });

  it('formats the canonical form', () => {
    expect(formatSecretRef({ name: 'dd', key: 'api_key' })).toBe('{{dd.api_key}}');
  });

  it('knows secret-looking keys', () => {
    for (const k of ['api_key', 'application_key', 'headers', 'otlp_headers', 'token', 'password']) {
      expect(isSecretLookingKey(k)).toBe(true);
    }
    for (const k of ['site', 'service_name', 'max_queue_size', 'endpoint', 'keys_path']) {
      expect(isSecretLookingKey(k)).toBe(false);
    }
  });
});

describe('resolveSecretRefs', () => {
  it('resolves from the environment without creating a backend', async () => {
    const redactor = new Redactor();
    const env = { DD_LOGSTORE_SECRET_DATADOG_KEYS_API_KEY: 'env-api-key-value' };
    const out = await resolveSecretRefs(
      { api_key: '{{datadog-keys.api_key}}', site: 'datadoghq.eu' },
      { backend: noBackend, env, redactor },
    );
    expect(out).toEqual({ api_key: 'env-api-key-value', site: 'datadoghq.eu' });
    expect(redactor.redact('key=env-api-key-value')).toBe('key=****');
    expect(redactor.redact('datadoghq.eu')).toBe('datadoghq.eu');
  });

  it('prefers the environment over the backend and reads each secret once', async () => {
    const backend = memoryBackend({ dd: { api_key: 'kc-api', application_key: 'kc-app' } });
    const env = { DD_LOGSTORE_SECRET_DD_API_KEY: 'env-api' };
    const out = await resolveSecretRefs(
      { api_key: '<<dd.api_key>>', application_key: '{{ dd.application_key }}', extra: '{{dd.application_key}}' },
      { backend: () => backend, env, redactor: new Redactor() },
    );
    expect(out).toEqual({ api_key: 'env-api', application_key: 'kc-app', extra: 'kc-app' });
    expect(backend.reads).toBe(1);
  });

  it('treats an empty env var as unset', async () => {
    const backend = memoryBackend({ dd: { api_key: 'kc-api' } });
    const out = await resolveSecretRefs(
      { api_key: '{{dd.api_key}}' },
      { backend: () => backend, env: { DD_LOGSTORE_SECRET_DD_API_KEY: '' }, redactor: new Redactor() },
    );
    expect(out.api_key).toBe('kc-api');
  });

  it('registers resolved values and literal secret-looking values, headers one by one', async () => {
    const redactor = new Redactor();
    const backend = memoryBackend({ otel: { headers: 'x-api-key=hdr-secret-1,x-other=hdr-secret-2' } });
    await resolveSecretRefs(
      {
        headers: '{{otel.headers}}',
        api_key: 'literal-api-key',
        endpoint: 'http://collector:4318',
        token: '',
      },
      { backend: () => backend, env: {}, redactor },
    );
    expect(redactor.redact('sent hdr-secret-1 and hdr-secret-2')).toBe('sent **** and ****');
    expect(redactor.redact('literal-api-key')).toBe('****');
    expect(redactor.redact('http://collector:4318')).toBe('http://collector:4318');
  });

  it('names the reference and the existing keys when a key is missing, never a value', async () => {
    const backend = memoryBackend({ dd: { application_key: 'app-value', site: 'site-value' } });
    const err = await resolveSecretRefs(
      { api_key: '{{dd.api_key}}' },
      { backend: () => backend, env: {}, redactor: new Redactor() },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SecretRefError);
    const e = err as SecretRefError;
    expect(e.problem).toBe('missing-key');
    expect(e.message).toBe(
      "api_key refers to {{dd.api_key}}, but secret 'dd' has no key 'api_key' (its keys: application_key, site)",
    );
    expect(e.hint).toBe('add it: dd-logstore secret update dd --api_key=..., or set DD_LOGSTORE_SECRET_DD_API_KEY');
    expect(e.existing).toEqual(['application_key', 'site']);
    expect(`${e.message} ${e.hint}`).not.toMatch(/app-value|site-value/);
  });

  it('names the reference and the secrets that exist when a secret is missing', async () => {
    const backend = memoryBackend({ other: { k: 'v' } });
    const err = (await resolveSecretRefs(
      { api_key: '{{dd.api_key}}' },
      { backend: () => backend, env: {}, redactor: new Redactor() },
    ).catch((e: unknown) => e)) as SecretRefError;
    expect(err.problem).toBe('missing-secret');
    expect(err.message).toBe("api_key refers to {{dd.api_key}}, but secret 'dd' does not exist in memory");
    expect(err.hint).toContain('dd-logstore secret create dd --api_key=...');
    expect(err.hint).toContain('DD_LOGSTORE_SECRET_DD_API_KEY');
    expect(err.hint).toContain('secrets there: other');
  });

  it('rejects a malformed reference naming the config key', async () => {
    const err = (await resolveSecretRefs(
      { api_key: '{{dd}}' },
      { backend: noBackend, env: {}, redactor: new Redactor() },
    ).catch((e: unknown) => e)) as SecretRefError;
    expect(err.problem).toBe('malformed');
    expect(err.message).toContain('api_key');
  });

  it('passes an unreachable keychain on, naming the env vars that would do instead', async () => {
    const err = await resolveSecretRefs(
      { api_key: '{{dd.api_key}}', application_key: '{{dd.application_key}}' },
      { backend: unreachableBackend, env: {}, redactor: new Redactor() },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeychainUnavailableError);
    const e = err as KeychainUnavailableError;
    expect(e.message).toBe('the OS keychain is not reachable (no Secret Service on D-Bus)');
    expect(e.hint).toContain('DD_LOGSTORE_SECRET_DD_API_KEY, DD_LOGSTORE_SECRET_DD_APPLICATION_KEY');
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('lets the UsageError for a bad backend choice through', async () => {
    const bad = (): SecretBackend => {
      throw new UsageError('DD_LOGSTORE_SECRETS_BACKEND=vault is not a secrets backend');
    };
    await expect(
      resolveSecretRefs({ api_key: '{{dd.api_key}}' }, { backend: bad, env: {}, redactor: new Redactor() }),
    ).rejects.toBeInstanceOf(UsageError);
  });

  describe('with the file backend', () => {
    let home: string;
    beforeEach(async () => {
      home = await mkdtemp(join(tmpdir(), 'dd-logstore-refs-'));
    });
    afterEach(async () => {
      await rm(home, { recursive: true, force: true });
    });

    it('resolves references stored in secrets.json', async () => {
      const backend = createFileBackend({ home });
      await backend.set('datadog_keys', { api_key: 'file-api-key', application_key: 'file-app-key' });
      const redactor = new Redactor();
      const out = await resolveSecretRefs(
        { api_key: '{{datadog_keys.api_key}}', application_key: '<<datadog_keys.application_key>>', site: 'us5' },
        { backend: () => createFileBackend({ home }), env: {}, redactor },
      );
      expect(out).toEqual({ api_key: 'file-api-key', application_key: 'file-app-key', site: 'us5' });
      expect(redactor.redact('file-api-key/file-app-key')).toBe('****/****');
    });
  });
});

describe('checkSecretRefs', () => {
  it('reports each reference without values', async () => {
    const backend = memoryBackend({ dd: { api_key: 'the-api-value' } });
    const checks = await checkSecretRefs(
      {
        api_key: '{{dd.api_key}}',
        application_key: '{{dd.application_key}}',
        token: '<<nope.token>>',
        from_env: '{{ci.key}}',
        broken: '{{dd}}',
        site: 'datadoghq.com',
      },
      { backend: () => backend, env: { DD_LOGSTORE_SECRET_CI_KEY: 'env-value' } },
    );
    expect(checks.map((c) => [c.key, c.status, c.ok, c.source])).toEqual([
      ['api_key', 'ok', true, 'keyring'],
      ['application_key', 'missing-key', false, undefined],
      ['token', 'missing-secret', false, undefined],
      ['from_env', 'ok', true, 'env'],
      ['broken', 'malformed', false, undefined],
    ]);
    expect(checks[1]?.message).toContain("secret 'dd' has no key 'application_key' (its keys: api_key)");
    expect(checks[0]?.envVar).toBe('DD_LOGSTORE_SECRET_DD_API_KEY');
    expect(JSON.stringify(checks)).not.toMatch(/the-api-value|env-value/);
  });

  it('reports an unreachable backend per reference', async () => {
    const checks = await checkSecretRefs(
      { api_key: '{{dd.api_key}}', from_env: '{{ci.key}}' },
      { backend: unreachableBackend, env: { DD_LOGSTORE_SECRET_CI_KEY: 'v' } },
    );
    expect(checks.map((c) => c.status)).toEqual(['backend-unreachable', 'ok']);
    expect(checks[0]?.message).toMatch(/^the OS keychain is not reachable \(no Secret Service on D-Bus\) \(/);
  });

  it('does not create a backend when there is nothing to look up', async () => {
    expect(await checkSecretRefs({ site: 'datadoghq.com' }, { backend: noBackend, env: {} })).toEqual([]);
  });

  it('reports a file backend error as unreachable', async () => {
    const broken = (): SecretBackend => {
      throw new SecretError('the secrets file /x/secrets.json is corrupt: it is not valid JSON');
    };
    const [check] = await checkSecretRefs({ api_key: '{{dd.api_key}}' }, { backend: broken, env: {} });
    expect(check?.status).toBe('backend-unreachable');
    expect(check?.message).toContain('/x/secrets.json');
  });
});

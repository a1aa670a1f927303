import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SecretError } from '../core/errors.js';
import { createFileBackend, secretsFilePath } from './file-backend.js';

const posix = process.platform !== 'win32';
const itPosix = posix ? it : it.skip;

describe('file backend', () => {
  let root: string;
  let home: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'dd-logstore-file-'));
    home = join(root, 'home');
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores, lists, reads and deletes secrets', async () => {
    const b = createFileBackend({ home });
    expect(await b.get('dd')).toBeUndefined();
    expect(await b.list?.()).toEqual([]);
    await b.set('dd', { api_key: 'a', application_key: 'b' });
    await b.set('otel', { headers: 'x=y' });
    await b.set('dd', { api_key: 'a2' });
    expect(await b.get('dd')).toEqual({ api_key: 'a2' });
    expect(await b.list?.()).toEqual(['dd', 'otel']);
    expect(await b.delete('dd')).toBe(true);
    expect(await b.delete('dd')).toBe(false);
    expect(await createFileBackend({ home }).get('otel')).toEqual({ headers: 'x=y' });
    expect(JSON.parse(await readFile(secretsFilePath(home), 'utf8'))).toEqual({
      schemaVersion: 1,
      secrets: { otel: { headers: 'x=y' } },
    });
    expect((await readdir(home)).sort()).toEqual(['secrets.json']); // no temp or lock files left behind
  });

  itPosix('writes the file 0600 in a 0700 directory, tightening an existing home', async () => {
    await createFileBackend({ home }).set('dd', { api_key: 'a' });
    expect((await stat(secretsFilePath(home))).mode & 0o777).toBe(0o600);
    expect((await stat(home)).mode & 0o777).toBe(0o700);

    const shared = join(root, 'shared');
    await mkdir(shared, { mode: 0o755 });
    await chmod(shared, 0o755);
    await createFileBackend({ home: shared }).set('dd', { api_key: 'a' });
    expect((await stat(shared)).mode & 0o777).toBe(0o700);
  });

  itPosix('refuses a file that group or others can read, saying chmod 600', async () => {
    const b = createFileBackend({ home });
    await b.set('dd', { api_key: 'a' });
    const path = secretsFilePath(home);
    await chmod(path, 0o644);
    const err = (await b.get('dd').catch((e: unknown) => e)) as SecretError;
    expect(err).toBeInstanceOf(SecretError);
    expect(err.message).toBe(
      `${path} can be read or written by other users (mode 0644); refusing to use this secrets file`,
    );
    expect(err.hint).toBe(`chmod 600 ${path}`);
    await expect(b.set('x', { k: 'v' })).rejects.toThrow(/mode 0644/);
    await chmod(path, 0o600);
    expect(await b.get('dd')).toEqual({ api_key: 'a' });
  });

  it.each([
    ['not JSON', '{"schemaVersion": 1, "secrets": {"dd": {"api_key": "leak-me"', /is not valid JSON/],
    ['wrong shape', '[1, 2]', /does not hold/],
    ['non-string value', '{"schemaVersion": 1, "secrets": {"dd": {"n": 1}}}', /secret 'dd' is not an object of string/],
  ])('reports a corrupt file (%s) by name and never overwrites it', async (_label, text, why) => {
    await mkdir(home, { recursive: true, mode: 0o700 });
    const path = secretsFilePath(home);
    await writeFile(path, text, { mode: 0o600 });
    const b = createFileBackend({ home });
    const err = (await b.get('dd').catch((e: unknown) => e)) as SecretError;
    expect(err).toBeInstanceOf(SecretError);
    expect(err.message).toContain(`the secrets file ${path} is corrupt`);
    expect(err.message).toMatch(why);
    expect(err.hint).toBe('fix or move it away; dd-logstore never overwrites it');
    expect(`${err.message}${String(err.cause)}`).not.toContain('leak-me');
    await expect(b.set('dd', { api_key: 'new' })).rejects.toBeInstanceOf(SecretError);
    await expect(b.delete('dd')).rejects.toBeInstanceOf(SecretError);
    expect(await readFile(path, 'utf8')).toBe(text);
  });

  it('refuses a file from a newer version', async () => {
    await mkdir(home, { recursive: true, mode: 0o700 });
    await writeFile(secretsFilePath(home), '{"schemaVersion": 2, "secrets": {}}', { mode: 0o600 });
    await expect(createFileBackend({ home }).set('dd', { k: 'v' })).rejects.toThrow(/newer dd-logstore/);
  });

  it('loses no update when writers race', async () => {
    const names = Array.from({ length: 20 }, (_, i) => `s${String(i).padStart(2, '0')}`);
    await Promise.all(names.map((n) => createFileBackend({ home }).set(n, { key: n })));
    expect(await createFileBackend({ home }).list?.()).toEqual(names);
  });
});

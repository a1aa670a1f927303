import { describe, expect, it } from '@jest/globals';
import { maskUrlPassword, stripCredentials, urlPasswords } from './url-credentials.js';

describe('a password written in a URL', () => {
  it('is masked where it was written, the user and the rest kept', () => {
    expect(maskUrlPassword('http://u:secret@proxy:8080/x')).toBe('http://u:****@proxy:8080/x');
    expect(maskUrlPassword('https://u:p%40ss@host')).toBe('https://u:****@host');
    // A raw `@` in the password: the authority's last `@` ends it, as the URL parser reads it.
    expect(maskUrlPassword('http://u:p@ss@host/a@b')).toBe('http://u:****@host/a@b');
    expect(maskUrlPassword('http://u:pw@host?next=a:b@c')).toBe('http://u:****@host?next=a:b@c');
  });

  it('leaves values without one as they are', () => {
    for (const v of ['http://host:9', 'http://user@host', 'plain', 'a:b@c', '']) expect(maskUrlPassword(v)).toBe(v);
    expect(urlPasswords('http://user@host')).toEqual([]);
  });

  it('gives the password as parsed and decoded, for the redactor', () => {
    expect(urlPasswords('http://u:p%40ss@host')).toEqual(['p%40ss', 'p@ss']);
    expect(urlPasswords('http://u:p@ss@host')).toEqual(['p%40ss', 'p@ss']);
    expect(urlPasswords('http://u:plain@host')).toEqual(['plain']);
  });
});

describe('stripCredentials', () => {
  it.each([
    ['https://x-access-token:ghs_abc@github.com/o/r.git', 'https://github.com/o/r.git'],
    ['https://token@github.com/o/r', 'https://github.com/o/r'],
    ['https://github.com/o/r.git', 'https://github.com/o/r.git'],
    ['git@github.com:o/r.git', 'git@github.com:o/r.git'],
    ['ssh://git@github.com/o/r.git', 'ssh://github.com/o/r.git'],
  ])('%s', (url, expected) => expect(stripCredentials(url)).toBe(expected));
});

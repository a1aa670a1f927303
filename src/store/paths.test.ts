import { describe, expect, it } from '@jest/globals';
import { resolveHome } from './paths.js';

describe('resolveHome', () => {
  const passwd = () => '/home/passwd-user';
  it('an empty HOME counts as unset: the passwd home, never the current directory', () => {
    expect(resolveHome({ HOME: '' }, passwd)).toBe('/home/passwd-user/.config/dd-logstore');
    expect(resolveHome({}, passwd)).toBe('/home/passwd-user/.config/dd-logstore');
    expect(resolveHome({ HOME: '/h' }, passwd)).toBe('/h/.config/dd-logstore');
  });
  it('a relative XDG_CONFIG_HOME is ignored (XDG spec); a relative DD_LOGSTORE_HOME is made absolute', () => {
    expect(resolveHome({ HOME: '/h', XDG_CONFIG_HOME: 'rel' }, passwd)).toBe('/h/.config/dd-logstore');
    expect(resolveHome({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, passwd)).toBe('/x/dd-logstore');
    expect(resolveHome({ DD_LOGSTORE_HOME: 'rel' }, passwd)).toBe(`${process.cwd()}/rel`);
  });
  it('no HOME and no passwd home is one clear error', () => {
    expect(() => resolveHome({ HOME: '' }, () => '')).toThrow(/HOME is not set/);
  });
});

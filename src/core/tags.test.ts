import { describe, expect, it } from '@jest/globals';
import { checkTag } from './tags.js';

describe('checkTag', () => {
  it('k:v, the value all after the first colon', () => {
    expect(checkTag('team:ml')).toBe('ok');
    expect(checkTag('a:b:')).toBe('ok'); // key a, value b: (it read "no value")
    expect(checkTag('url:http://x')).toBe('ok');
  });
  it('no value: nothing, or blanks alone, after the colon', () => {
    expect(checkTag('team:')).toBe('no value');
    expect(checkTag('team: ')).toBe('no value'); // it was taken
  });
  it('reserved: a key dd-logstore sets itself, in any case, before "no value"', () => {
    expect(checkTag('zenml.run.id:x')).toBe('reserved');
    expect(checkTag('Dd_Logstore.seq:1')).toBe('reserved');
    expect(checkTag('ZENML.log.id:')).toBe('reserved');
    expect(checkTag('zenmlish:x')).toBe('ok');
  });
  it('malformed: no colon, a blank or comma in the key, a control character anywhere', () => {
    for (const tag of ['team', ':ml', 'a b:c', 'team:x\ny', 'team:x\u0085', 'te\tam:x'])
      expect(checkTag(tag)).toBe('malformed');
  });
});

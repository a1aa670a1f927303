import { describe, expect, it } from '@jest/globals';
import { didYouMean } from '../../store/did-you-mean.js';
import {
  DATADOG_SITES,
  checkDatadogSite,
  datadogAppUrl,
  isDatadogSite,
  logsExplorerUrl,
  resolveDatadogRoutes,
} from './sites.js';

describe('DATADOG_SITES', () => {
  it("lists Datadog's eight sites", () => {
    expect([...DATADOG_SITES].sort()).toEqual(
      [
        'datadoghq.com',
        'us3.datadoghq.com',
        'us5.datadoghq.com',
        'datadoghq.eu',
        'ap1.datadoghq.com',
        'ap2.datadoghq.com',
        'uk1.datadoghq.com',
        'ddog-gov.com',
      ].sort(),
    );
  });

  it('recognises sites exactly', () => {
    expect(isDatadogSite('datadoghq.eu')).toBe(true);
    expect(isDatadogSite('ddog-gov.com')).toBe(true);
    expect(isDatadogSite('DATADOGHQ.COM')).toBe(false);
    expect(isDatadogSite('app.datadoghq.com')).toBe(false);
    expect(isDatadogSite('')).toBe(false);
  });
});

describe('checkDatadogSite', () => {
  const check = (raw: string) => checkDatadogSite(raw, (s) => didYouMean(s, DATADOG_SITES));

  it('takes the eight sites, trimmed and lower-cased', () => {
    for (const site of DATADOG_SITES) expect(check(site)).toEqual({ kind: 'known', site });
    expect(check(' UK1.DatadogHQ.com ')).toEqual({ kind: 'known', site: 'uk1.datadoghq.com' });
  });

  it('takes an unknown region under a Datadog domain, with the closest site as a guess', () => {
    expect(check('us7.datadoghq.com')).toMatchObject({ kind: 'unknown', site: 'us7.datadoghq.com' });
    expect(check('eu2.datadoghq.eu')).toEqual({ kind: 'unknown', site: 'eu2.datadoghq.eu', guess: 'datadoghq.eu' });
    expect(check('us2.ddog-gov.com')).toMatchObject({ kind: 'unknown', site: 'us2.ddog-gov.com' });
  });

  it('refuses URLs, service hosts and other domains, naming the site they point at', () => {
    expect(check('https://datadoghq.eu')).toEqual({ kind: 'invalid', guess: 'datadoghq.eu' });
    expect(check('https://app.datadoghq.eu/logs')).toEqual({ kind: 'invalid', guess: 'datadoghq.eu' });
    expect(check('app.datadoghq.com')).toEqual({ kind: 'invalid', guess: 'datadoghq.com' });
    expect(check('api.us5.datadoghq.com')).toEqual({ kind: 'invalid', guess: 'us5.datadoghq.com' });
    expect(check('datadoghq.xyz')).toMatchObject({ kind: 'invalid', guess: expect.stringMatching(/^datadoghq\./) });
    expect(check('example.com')).toEqual({ kind: 'invalid', guess: undefined });
    expect(check('')).toMatchObject({ kind: 'invalid' });
  });
});

describe('resolveDatadogRoutes', () => {
  it('derives every host from the site', () => {
    expect(resolveDatadogRoutes({ site: 'datadoghq.eu' })).toEqual({
      site: 'datadoghq.eu',
      intakeLogsUrl: 'https://http-intake.logs.datadoghq.eu/api/v2/logs',
      otlpLogsUrl: 'https://otlp.datadoghq.eu/v1/logs',
      validateUrl: 'https://api.datadoghq.eu/api/v1/validate',
      searchUrl: 'https://api.datadoghq.eu/api/v2/logs/events/search',
      eventsUrl: 'https://api.datadoghq.eu/api/v2/logs/events',
    });
  });

  it.each(DATADOG_SITES.map((s) => [s]))('builds https URLs for %s', (site) => {
    const r = resolveDatadogRoutes({ site });
    expect(r.intakeLogsUrl).toBe(`https://http-intake.logs.${site}/api/v2/logs`);
    expect(r.searchUrl).toBe(`https://api.${site}/api/v2/logs/events/search`);
    for (const url of [r.intakeLogsUrl, r.otlpLogsUrl, r.validateUrl, r.searchUrl, r.eventsUrl]) {
      expect(new URL(url).protocol).toBe('https:');
    }
  });

  it('applies overrides and trims trailing slashes', () => {
    const r = resolveDatadogRoutes({
      site: 'us5.datadoghq.com',
      intakeUrl: 'http://127.0.0.1:8080//',
      apiUrl: 'http://127.0.0.1:9090/proxy/',
    });
    expect(r).toEqual({
      site: 'us5.datadoghq.com',
      intakeLogsUrl: 'http://127.0.0.1:8080/api/v2/logs',
      otlpLogsUrl: 'http://127.0.0.1:8080/v1/logs',
      validateUrl: 'http://127.0.0.1:9090/proxy/api/v1/validate',
      searchUrl: 'http://127.0.0.1:9090/proxy/api/v2/logs/events/search',
      eventsUrl: 'http://127.0.0.1:9090/proxy/api/v2/logs/events',
    });
  });

  it('overrides one host without touching the other', () => {
    const r = resolveDatadogRoutes({ site: 'datadoghq.com', apiUrl: 'http://localhost:1' });
    expect(r.intakeLogsUrl).toBe('https://http-intake.logs.datadoghq.com/api/v2/logs');
    expect(r.otlpLogsUrl).toBe('https://otlp.datadoghq.com/v1/logs');
    expect(r.validateUrl).toBe('http://localhost:1/api/v1/validate');
  });

  it('ignores empty overrides', () => {
    const r = resolveDatadogRoutes({ site: 'datadoghq.com', intakeUrl: '', apiUrl: '  ' });
    expect(r.intakeLogsUrl).toBe('https://http-intake.logs.datadoghq.com/api/v2/logs');
    expect(r.validateUrl).toBe('https://api.datadoghq.com/api/v1/validate');
  });
});

describe('datadogAppUrl / logsExplorerUrl', () => {
  it.each([
    ['datadoghq.com', 'https://app.datadoghq.com'],
    ['datadoghq.eu', 'https://app.datadoghq.eu'],
    ['us3.datadoghq.com', 'https://us3.datadoghq.com'],
    ['us5.datadoghq.com', 'https://us5.datadoghq.com'],
    ['ap1.datadoghq.com', 'https://ap1.datadoghq.com'],
    ['ddog-gov.com', 'https://app.ddog-gov.com'],
  ])('%s -> %s', (site, app) => expect(datadogAppUrl(site)).toBe(app));

  it('puts the query and the time window in the Logs Explorer URL', () => {
    const url = new URL(logsExplorerUrl('datadoghq.eu', 'service:"zenml" @zenml.run.id:"r-1"', 1000.7, 2000));
    expect(url.origin + url.pathname).toBe('https://app.datadoghq.eu/logs');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      query: 'service:"zenml" @zenml.run.id:"r-1"',
      from_ts: '1000',
      to_ts: '2000',
      live: 'false',
    });
  });
});

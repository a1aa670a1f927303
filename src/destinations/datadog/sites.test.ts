import { describe, expect, it } from '@jest/globals';
import { DATADOG_SITES, isDatadogSite, resolveDatadogRoutes } from './sites.js';

describe('DATADOG_SITES', () => {
  it('lists the seven sites', () => {
    expect([...DATADOG_SITES].sort()).toEqual(
      [
        'datadoghq.com',
        'us3.datadoghq.com',
        'us5.datadoghq.com',
        'datadoghq.eu',
        'ap1.datadoghq.com',
        'ap2.datadoghq.com',
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

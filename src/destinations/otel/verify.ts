/** `log-store verify` for the otel flavor: the endpoint accepts a connection and an empty OTLP export. */
import { bodySnippet, hostPort, postOnce, probeHost, unreachableDetail } from '../../core/http/probe.js';
import { row, skipped } from '../check-row.js';
import type { CheckRow } from '../check-row.js';
import type { OtelSettings } from './settings.js';

export const OTEL_CHECKS = ['network: endpoint', 'otlp endpoint'];

function networkHint(name: string): string {
  return `is the collector running and the endpoint right (dd-logstore log-store update ${name} --endpoint=URL)? Check firewalls and proxies on the way`;
}

export async function checkOtel(s: OtelSettings): Promise<CheckRow[]> {
  const net = await probeHost(s.endpoint);
  if (!net.ok) {
    return [
      row('network: endpoint', 'FAILED', unreachableDetail(s.endpoint, net.problem), networkHint(s.component.name)),
      skipped('otlp endpoint', 'the endpoint cannot be reached'),
    ];
  }
  const rows = [row('network: endpoint', 'ok', `${hostPort(s.endpoint)} accepts connections (${net.ms} ms)`)];
  // An empty ExportLogsServiceRequest: zero bytes in protobuf, `{}` in JSON. Nothing is stored on the other side.
  const json = s.protocol === 'http/json';
  const result = await postOnce(
    s.endpoint,
    { ...s.headers, 'content-type': json ? 'application/json' : 'application/x-protobuf' },
    json ? '{}' : new Uint8Array(0),
  );
  if (result.kind === 'network-error') {
    rows.push(
      row('otlp endpoint', 'FAILED', unreachableDetail(s.endpoint, result.message), networkHint(s.component.name)),
    );
  } else if (result.status >= 200 && result.status < 300) {
    rows.push(
      row('otlp endpoint', 'ok', `an empty OTLP ${s.protocol} export to ${s.endpoint} got HTTP ${result.status}`),
    );
  } else if (result.status === 401 || result.status === 403) {
    rows.push(
      row(
        'otlp endpoint',
        'FAILED',
        `${s.endpoint} refused the request (HTTP ${result.status}${bodySnippet(result.body)})`,
        `check the authentication header: dd-logstore log-store update ${s.component.name} --headers=KEY={{secret.key}}`,
      ),
    );
  } else {
    const why =
      result.status === 404
        ? 'no OTLP logs receiver at that path'
        : result.status === 415
          ? `the endpoint does not accept ${s.protocol}`
          : 'the endpoint did not accept an OTLP export';
    rows.push(
      row(
        'otlp endpoint',
        'FAILED',
        `${s.endpoint} answered HTTP ${result.status}: ${why}${bodySnippet(result.body)}`,
        result.status === 415
          ? 'try the other encoding: --protocol=http/json or --protocol=http/protobuf'
          : `check the endpoint (an OTLP/HTTP receiver, usually port 4318, /v1/logs): dd-logstore log-store update ${s.component.name} --endpoint=URL`,
      ),
    );
  }
  return rows;
}

import autocannon from 'autocannon';
import { gatewayArgs, startServer } from './processes';
import { phoneAt, seedLedger } from './seed';

/** `node -r ts-node/register/transpile-only bench/profile.ts [send|stop] DIR`: a CPU profile of the gateway under load. */
async function main(): Promise<void> {
  const [mode = 'send', dir = '/tmp/gateway-profile'] = process.argv.slice(2);
  const env = { DATABASE_URL: `sqlite:${dir}/profile.db` };
  await seedLedger({ env, numbers: 10_000, events: 10_000 });
  const gw = await startServer(['--cpu-prof', `--cpu-prof-dir=${dir}`, ...gatewayArgs], { ...env, API_KEYS: 'bench-admin-secret-0000001:admin:bench', LOG_LEVEL: 'warn' });
  let i = 0;
  const result = await autocannon({
    url: gw.url,
    connections: 50,
    duration: 5,
    requests: [
      mode === 'stop'
        ? { method: 'POST', path: '/webhooks/twilio/sms', headers: { 'content-type': 'application/x-www-form-urlencoded' }, setupRequest: (r: autocannon.Request) => ({ ...r, body: `MessageSid=SMp${i++}&From=${encodeURIComponent(phoneAt(i % 10_000))}&Body=STOP` }) }
        : { method: 'POST', path: '/v1/messages', headers: { authorization: 'Bearer bench-admin-secret-0000001', 'content-type': 'application/json' }, setupRequest: (r: autocannon.Request) => ({ ...r, body: JSON.stringify({ to: phoneAt(i++ % 10_000), body: 'hello there', category: 'transactional' }) }) },
    ],
  });
  process.stdout.write(`${result.requests.average} req/s, p99 ${result.latency.p99} ms; profile in ${dir}\n`);
  await gw.stop();
}
void main();

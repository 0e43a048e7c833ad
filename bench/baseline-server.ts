import express from 'express';

/**
 * The baseline: bare Express with the same body parsers and limits as the gateway, answering the
 * same routes without any work. The benchmark starts it itself, in the same run, so the ratio
 * gateway / baseline says what the gateway's own work costs on this machine today.
 */
const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/v1/messages', express.json({ limit: '1mb' }), (req, res) => {
  res.status(202).json({ id: 'msg_baseline', to: req.body?.to, category: req.body?.category, status: 'sent' });
});
app.post('/webhooks/twilio/sms', express.urlencoded({ extended: false, limit: '64kb' }), (_req, res) => {
  res.type('text/xml').send('<?xml version="1.0" encoding="UTF-8"?><Response/>');
});
const server = app.listen(0, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  process.stdout.write(`gateway listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

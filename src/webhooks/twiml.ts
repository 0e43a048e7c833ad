import twilio from 'twilio';

/** The replies are a handful of fixed texts: each is rendered once. */
const rendered = new Map<string, string>();

/** One <Message> when a reply is due, else an empty <Response/>. The SDK escapes the text. */
export function messagingTwiml(reply: string | null): string {
  const key = reply ?? '';
  let twiml = rendered.get(key);
  if (twiml === undefined) {
    const response = new twilio.twiml.MessagingResponse();
    if (reply) response.message(reply);
    twiml = response.toString();
    if (rendered.size < 100) rendered.set(key, twiml);
  }
  return twiml;
}

import twilio from 'twilio';

/** One <Message> when a reply is due, else an empty <Response/>. The SDK escapes the text. */
export function messagingTwiml(reply: string | null): string {
  const response = new twilio.twiml.MessagingResponse();
  if (reply) response.message(reply);
  return response.toString();
}

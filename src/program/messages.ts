import type { ProgramConfig } from '../config';

/**
 * The program's automatic replies, worded per CTIA: each names the program; HELP and opt-in
 * state the frequency (derived from the cap, so the two never disagree), the rates disclosure
 * and how to stop; the opt-out confirmation says nothing more will be sent and carries no marketing.
 */
export interface ProgramMessages {
  optOutConfirmation: string;
  optInConfirmation: string;
  help: string;
}

type ProgramTexts = Pick<ProgramConfig, 'name' | 'helpContact' | 'frequencyCapPerMonth'>;

export function frequencyText(program: ProgramTexts): string {
  return `Up to ${program.frequencyCapPerMonth} msgs/month.`;
}

export function programMessages(program: ProgramTexts): ProgramMessages {
  const frequency = frequencyText(program);
  return {
    optOutConfirmation: `${program.name}: You are unsubscribed and will receive no further messages. Reply START to resubscribe.`,
    optInConfirmation: `${program.name}: You are subscribed to text messages. ${frequency} Msg&data rates may apply. Reply HELP for help, STOP to opt out.`,
    help: `${program.name}: For help, contact ${program.helpContact}. ${frequency} Msg&data rates may apply. Reply STOP to opt out.`,
  };
}

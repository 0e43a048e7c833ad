import type { ProgramConfig } from '../config';
import type { Language } from '../keywords/languages';

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

/** The languages with a reviewed translation of the replies; the others are answered in English. */
export type TranslatedLanguage = 'es' | 'fr';

/** Confirmations in the language the person wrote in (FCC: a revocation in any reasonable form). */
export interface LocalisedMessages extends ProgramMessages {
  /** The opt-out confirmation and HELP reply in Spanish and French. */
  localised: Record<TranslatedLanguage, Pick<ProgramMessages, 'optOutConfirmation' | 'help'>>;
}

export function programMessages(program: ProgramTexts): LocalisedMessages {
  const n = program.frequencyCapPerMonth;
  return {
    ...englishMessages(program),
    localised: {
      es: {
        optOutConfirmation: `${program.name}: Se ha dado de baja y no recibirá más mensajes. Responda START para volver a suscribirse.`,
        help: `${program.name}: Para ayuda, contacte ${program.helpContact}. Hasta ${n} msjs/mes. Pueden aplicarse tarifas de mensajes y datos. Responda STOP o ALTO para cancelar.`,
      },
      fr: {
        optOutConfirmation: `${program.name}: Vous êtes désinscrit et ne recevrez plus de messages. Répondez START pour vous réabonner.`,
        help: `${program.name}: Aide: ${program.helpContact}. Jusqu'à ${n} msgs/mois. Des frais de messages et de données peuvent s'appliquer. Répondez STOP ou ARRET pour vous désinscrire.`,
      },
    },
  };
}

/** The reply in the person's language when it has a reviewed translation, in English otherwise. */
export function replyText(messages: LocalisedMessages, kind: 'optOutConfirmation' | 'help', language: Language): string {
  return language === 'es' || language === 'fr' ? messages.localised[language][kind] : messages[kind];
}

function englishMessages(program: ProgramTexts): ProgramMessages {
  const frequency = frequencyText(program);
  return {
    optOutConfirmation: `${program.name}: You are unsubscribed and will receive no further messages. Reply START to resubscribe.`,
    optInConfirmation: `${program.name}: You are subscribed to text messages. ${frequency} Msg&data rates may apply. Reply HELP for help, STOP to opt out.`,
    help: `${program.name}: For help, contact ${program.helpContact}. ${frequency} Msg&data rates may apply. Reply STOP to opt out.`,
  };
}

/**
 * Whole-message keywords and the commonest revocation phrases in the ten languages most spoken at
 * home in the US after English (Census ACS), with where each comes from. Keywords are matched
 * against the normalised message (upper case, no diacritics, punctuation and emoji removed, spaces
 * closed up); phrases against the lower-case text without diacritics (Latin, Cyrillic, Arabic) or
 * the NFKC text (Chinese, Korean). A keyword decides only as the whole message: "para" alone is
 * Spanish STOP, "para mañana" is "for tomorrow".
 *
 * Sources: fixtures/revocation/collected/languages.json (vendors' keyword pages, national rules,
 * translation files, each keyword with where it was found; those found nowhere are marked as
 * translations). Phrases were widened on the development set's texts in each language; the
 * languages with the fewest sources (Tagalog, Haitian Creole, Arabic, Korean) are the least sure.
 */
export type Language = 'en' | 'es' | 'zh' | 'tl' | 'vi' | 'ar' | 'fr' | 'ko' | 'ru' | 'ht' | 'pt';

export const LANGUAGES: readonly Language[] = ['en', 'es', 'zh', 'tl', 'vi', 'ar', 'fr', 'ko', 'ru', 'ht', 'pt'];

export interface LanguageLexicon {
  optOut: readonly string[];
  optIn: readonly string[];
  help: readonly string[];
  /** Phrases that revoke wherever they stand in the message (unless negated by the phrase itself). */
  revocationPhrases: readonly RegExp[];
  /** Words that show the language, for the reply's language when no keyword decided it. */
  marker?: RegExp;
  /** What makes a phrase about something else ("lista de espera", the waiting list). */
  otherSense?: RegExp;
}

export const FOREIGN_LEXICONS: Readonly<Record<Exclude<Language, 'en'>, LanguageLexicon>> = {
  es: {
    optOut: ['ALTO', 'PARA', 'PARAR', 'PARE', 'DETENER', 'DETENTE', 'CANCELAR', 'BAJA', 'DARME DE BAJA', 'DARSE DE BAJA', 'DAR DE BAJA', 'SALIR', 'NO MAS', 'DESUSCRIBIR', 'DESUSCRIBIRME', 'DESUSCRIBIRSE', 'ANULAR', 'TERMINAR', 'BASTA', 'BASTA YA', 'CANCELAR SUSCRIPCION', 'FIN', 'QUITAR', 'QUITARME', 'NO CONTACTAR', 'NO ENVIAR', 'NO MOLESTAR', 'CANCELAR MENSAJES', 'SALIR MARKETING', 'SALIR DE LA LISTA', 'FINALIZAR', 'PAREN', 'DETENER MENSAJES', 'DETENER PROMOCIONES', 'NO MAS MENSAJES', 'CANCELA', 'CANCELEN'],
    optIn: ['ALTA', 'COMENZAR', 'INICIAR'],
    help: ['AYUDA'],
    revocationPhrases: [
      /\bno (me |nos )?(envie|envien|mande|manden|escriba|escriban|contacte|contacten|moleste|molesten|llame|llamen|llames|textee|texteen|insista|insistan)\w*( mas| nada)?\b(?! (el|la|los|las|un|una|todavia|aun|eso|esa|ese|foto|fotos|link|direccion|ubicacion|hasta|antes|despues|al|por|a mi|en el|hoy|manana|ahora|tarde|temprano|esta|este|en)\b)/,
      /\b(salir|salirme|sacar|sacarme|sacame|saquenme|quitar|quitarme|quitame|quitenme|borrar|borrarme|borrame|borrenme|eliminar|eliminarme|eliminame|eliminenme)\b( \w+){0,2} (de|del) (la |su |esta |sus |tu |esa )?(lista|listas|base|base de datos|grupo|sistema)\b(?! de (espera|pagos?|citas?))|\b(saquenme|sacame|borrenme|borrame|eliminenme|quitenme) de (ahi|aqui|aca)\b/,
      /\b(basta|suficiente|ya basta) (de|con) (los |sus |tus |estos )?(mensajes|textos|sms|esto|spam|tanto)\b|\bcancelar (los |sus |estos )?(mensajes|textos|sms|notificaciones)\b|\bno molestar\b|\bno (quiero|deseo) (saber|recibir) (mas |nada |mas nada |nada mas )+/,
      /\b(dame|denme|darme|quiero|deseo|solicito|pido) (la |de )?baja\b(?! (mi|la|el|de mi|de la) (tarjeta|cuenta|cita|membresia|reserva|pago))|\bbaja de (estos|los|sus) (mensajes|textos)\b/,
      /\b(deja|dejen|deje|dejar|para|paren|pare|dejes) de (enviar|mandar|escribir|molestar|textear|contactar|llamar|insistir|joder|fastidiar)\w*/,
      /\bno (quiero|deseo|quiere|queremos) (recibir |mas |ningun |ningunos |estos |sus |los |tus )*(mensajes|textos|sms|promociones|ofertas|publicidad|info|informacion|mensages)\b/,
      /\bno quiero que me (escriban|manden|envien|contacten|llamen|molesten|texteen)\b/,
      /\bno me vuelva(n)? a (llamar|escribir|enviar|mandar|contactar|molestar|textear)\b/,
      /\b(callate|callese|callense|calla (la|tu) (puta )?boca|cierra (la|el) (puta )?(boca|pico)|deja de hablar|para de hablar|para de hacer eso|vete|vayase|larga(te)?|te largues|no quiero o[iy]r(te|les)?|hart[oa] de escuchar\w*|ponle fin|ponga fin|deten todo|detente ya|dije que (pare|pares|paren|basta|no))\b/,
      /\bno quiero saber nada\b/,
      /\b(ya )?no (mas|quiero mas) (mensajes|textos|sms|promociones|publicidad)\b/,
      /\bno molestar mas\b|\bdejame en paz\b|\bdejenme en paz\b|\bme desuscribo\b|\bdesuscribanme\b|\bdesuscribirme\b/,
      /\b(quit|sac|borr|elimin|remuev|bor)\w*(me|nos)\b( \w+){0,3} (de|del) (la |su |esta |sus |tu |ahi)?(lista|listas|base|ahi)?\b(?! de (espera|pagos?|citas?))/,
      /\b(bor|elimin|quit|sac)(r)?\w*(enme|ame|eme|anme)\b/,
      /\b(quit|sac|borr|elimin)\w* (mi|este) (numero|telefono|celular)\b/,
      /\b(darme|dar|me doy|denme|quiero darme|me quiero dar|como me doy|como darme) de baja\b(?! (mi|la|el|una|un) (tarjeta|cuenta|cita|membresia|reserva|pago))/,
      /\bcancelar (la |mi )?(suscripcion|subscripcion)\b/,
      /\bnumero (equivocado|incorrecto)\b|\b\w+ ya no (tiene|usa) este (numero|telefono|celular)\b|\bfavor de no (enviar|mandar)\b|\bno (enviar|mandar) mas\b|\b(vayanse|vete|largo) (al carajo|a la mierda)\b|\bchinga tu madre\b|\bse equivoc\w+ de numero\b|\b(este|ese) (no es el )?numero (ya )?no es (el )?de\b|\bno es el numero de\b/,
      /\b(detener|cancelar|parar) (los |las |sus |estos |todas las |todos los )?(mensajes|promociones|textos|notificaciones|recordatorios)\b/,
      /\bya no quiero (recibir|mensajes|textos|que me)\b/,
      /\bno me interesa(n)? (sus |los |estos )?(mensajes|textos|promociones)\b/,
      /\bno conozco a (esa|ese|esta|este) (persona|senor|senora|senorita|muchacha|muchacho)\b/,
      /^(ya )?basta\b(?! de (esperar|espera|citas?))/,
    ],
    marker: /\b(por favor|porfa|mensajes|gracias|quiero|interesa|conozco|persona|basta|todos los|los dias|lo mismo|numero|no mas|ya no|senor|senora|hola|cita|manana|usted|ustedes|buenos|buenas|dejen|envien|manden)\b/,
    otherSense: /\bno mas de \d|\blista de espera\b|\b(tarjeta|cuenta) (de|del) (pago|credito|debito)\b|\bde baja (del|de la|de mi|de el|en el|en la) (?!lista|mensajes|textos|sms|promociones|suscripcion|servicio de mensajes)/,
  },
  fr: {
    optOut: ['ARRET', 'ARRETE', 'ARRETT', 'ARRETER', 'ARRETEZ', 'DESINSCRIRE', 'DESINSCRIPTION', 'DESABONNER', 'DESABONNEMENT', 'ANNULER', 'ANNULE', 'QUITTER'],
    optIn: [],
    help: ['AIDE'],
    revocationPhrases: [
      /\b(ne m envoyez plus|n envoyez plus|ne me contactez plus|ne m ecrivez plus|arretez (de|les|svp|s il)|arrete(r)? de m|enlevez moi|retirez (mon numero|moi)|ne m envoie plus|ne plus m envoyer|tais toi|taisez vous|la ferme|ferme la|ferme ta gueule|ta gueule|allez vous en|va t en|fous moi (juste )?la paix|fichez moi la paix|arrete (tout|maintenant|de faire|ca)|annule tout|mets y un terme|je ne veux plus t entendre|arret svp|plus de (messages|sms|textos)|retirez moi|supprimez mon numero|je ne veux plus (recevoir|de)|jveux pu|laissez moi tranquille|stop svp|stop merci)\b/,
      /\bdesinscri\w*|\bdesabonn\w*/,
      /\b(mauvais|faux) numero\b|\berreur de numero\b|\bce n est pas le numero de\b|\b(lache|lachez) moi\b/,
    ],
    marker: /\b(merci|svp|s il vous plait|bonjour|interesse|c est|messages plus|ne pas|je ne|vous|rendez vous)\b/,
  },
  pt: {
    optOut: ['SAIR', 'PARAR', 'PARE', 'CANCELAR', 'DESCADASTRAR', 'DESINSCREVER', 'REMOVER', 'SAI FORA', 'NAO QUERO MAIS', 'NAO QUERO RECEBER', 'CHEGA', 'NAO MANDA MAIS', 'NAO ENVIE MAIS', 'ENCERRAR', 'CANCELAR ASSINATURA', 'DESCADASTRO'],
    optIn: [],
    help: ['AJUDA'],
    revocationPhrases: [
      /\bnao (quero|desejo) (mais )?(receber |mais )*(mensagens|sms|textos|promocoes|mensagem)\b/,
      /\bquero (parar|deixar) de receber\b|\bquero sair\b|\bsair da lista\b|\bremove(r)? da lista\b|\bme deixa(m)? em paz\b|\b(para|parem|pare) com isso\b|\bparar de (mandar|enviar|me mandar|me enviar)\b|\bnao quero mais receber\b|\bnao quero (receber|mais|mensage\w*|sms|promoc\w*)\b|\bnao (envie|envia|mande|manda|mandem|enviem)( mais)?( mensage\w*| msg| sms| nada| isso)?$|\bnao (envie|envia|mande|manda|mandem|enviem) mais\b|\bnao me (manda|mandar|envia|enviar)( mais)?\b|\b(nao|parar de|deixar de) receber\b|\b(tira|tire|remove|remova|exclui|exclua) (o )?meu (numero|contato|cadastro)\b|\bchega de (me mandar|mandar|mensage\w*|msg|sms|isso|spam)\b|\bme deixe(m)? em paz\b|\bremov\w* (o )?meu (numero|contato|cadastro)\b|\bvou (te |lhe |vos |os )?bloquear\b|\b(poderia|pode|podes) parar( agora)?$|\bpara o que (estas|esta) a fazer\b|\bnao quero saber de (mais )?nada\b|\bcala (a )?boca\b|^chega( de (mensagens|msg|isso|spam))?$/,
      /\b(pare|parem|para) de (enviar|mandar|me mandar|me enviar|me incomodar|incomodar)\b/,
      /\bnao me (mande|mandem|envie|enviem|contate|contatem|ligue|liguem|incomode)\w*( mais)?( (mensage\w*|msg|sms|nada|isso|textos?))?$|\bnao me (mande|mandem|envie|enviem|manda) (mais )?(mensage\w*|msg|sms|textos?)\b/,
      /\bme (tire|tira|tirem|remova|remove|removam|exclua|descadastra|descadastre|descadastrem)\b|\b(tire|tira|tirem|remova|removam|exclua|excluam|descadastre|descadastrem)( me)? (da|dessa|desta|do) (lista|cadastro)\b/,
      /\bcancelar (a |minha )?inscricao\b|\b(como faco|como faço) para (cancelar|sair|parar)\b/,
      /\bnumero errado\b|\b(quero )?me descadastr\w*\b|\b(esse|este) numero nao e (mais )?(das?|dos?|de)\b/,
    ],
    marker: /\b(obrigad[oa]|voce|nao|mensagens|por favor|ola|bom dia|boa tarde)\b/,
    otherSense: /\bsair d[ao] (fila|trabalho|casa|consulta)\b|\bfila de espera\b|\blista de espera\b/,
  },
  zh: {
    optOut: ['退订', '退訂', 'TD', '取消', '取消订阅', '取消訂閱', '停止', '停', '退出', '拒收', '不要', '别发了', '別發了', '不要再发', '不要再發', '结束', '結束', '不要骚扰我', '不要騷擾我', 'TUIDING', 'TUI DING', 'BUYAOZAIFALE', 'BU YAO ZAI FA LE', 'BIE FA LE'],
    optIn: [],
    help: ['帮助', '幫助'],
    otherSense: /还想|還想|不要退订|不要退訂|了吗|了嗎/u,
    revocationPhrases: [/闭嘴|閉嘴|走开|走開|住手|别来烦我|別來煩我|别烦我|別煩我|不想再收到|不想再收|tui ?ding|我不是|打错了|打錯了|发错了|發錯了|退订|退訂|取消订阅|取消訂閱|拒收|骚扰|騷擾|没有这个人|沒有這個人|打错了|取消(我的)?所有的?(提醒|通知|短信|消息|信息)|(不要|别|別|请勿|請勿|勿|唔好)再?(给我|給我)?(发|發|send|传|傳)|(发|發)错(号码|號碼)?|打错|打錯|把我从名单|把我從名單|免打扰|免打擾|请勿打扰|請勿打擾|勿扰|勿擾|拉黑|不用再(通知|发|發|提醒|联系|聯繫)|不需要再(通知|发|發|提醒)|(这个|這個)?(号码|號碼)不是|不是(她|他)的(电话|電話|号码|號碼|手机|手機)/u],
  },
  tl: {
    optOut: ['TIGIL', 'ITIGIL', 'HINTO', 'HUMINTO', 'TAMA NA', 'AYOKO NA', 'AYOKO NA PO', 'TAMA NA PO', 'AYAW KO NA', 'AYAW KO NA PO'],
    optIn: [],
    help: ['TULONG'],
    revocationPhrases: [
      /\b(wag|huwag) (na )?(nyo |niyo |mo |po |kayong |kayo |na |akong |ako )*(i ?text|mag ?text|magtext|itext|padalhan|padalan|tawagan|kontakin|i text)\w*/,
      /\b(tanggalin|alisin|burahin|pakitanggal|pakialis)( (nyo|niyo|mo|po|na))* (ako|na ako|ang (aking |number ko|numero ko))\b/,
      /\bitigil( (nyo|niyo|mo|po|na))* (ang )?(pag ?text|pagtext|pag text|text)/,
      /\bayoko na( po| pong)? (ng|sa|makatanggap|pong makatanggap|tumanggap)/,
      /\bmali(ng)? (po )?(ang )?(number|numero)\b|\bpaki ?alis( po)? ako\b|\btumigil( ka| kayo)?( na)?\b|\btigilan (nyo |niyo |mo )?(na )?(ako|kami)\b|\bwrong number po\b|\bpaano (po )?(mag ?unsubscribe|mag ?stop)\b/,
    ],
    marker: /\b(po|salamat|opo|hindi|ako|ninyo|kayo|ba|nyo|niyo)\b/,
  },
  vi: {
    optOut: ['HUY', 'TUCHOI', 'TU CHOI', 'DUNG', 'NGUNG', 'DUNGLAI', 'HUY DANG KY', 'KHONG NHAN'],
    optIn: [],
    help: ['GIUP', 'TROGIUP', 'GIUPDO'],
    revocationPhrases: [
      /\b(dung|ngung|thoi) (gui|nhan|nhan tin|gui tin)\b/,
      /\b(khong|ko|k) (muon )?(nhan|gui) (tin|tin nhan)\b/,
      /\bhuy dang ky\b/,
      /\b(xoa|bo) (so|so dien thoai)( cua)? (toi|em|tui)\b/,
      /\bnham so\b|\bsai so\b|\bkhong phai (la )?khach hang\b/,
      /\b(dung|ngung|thoi) (lien he|lam phien|nhan|gui|spam)\b|\b(khong|ko|k) (muon )?(lien he|nhan)\b/,
    ],
    marker: /\b(khong|cam on|toi|em|anh|chi|vang|duoc|ngay mai)\b/,
  },
  ar: {
    optOut: ['توقف', 'الغاء', 'ايقاف', 'الغاء الاشتراك', 'وقف', 'كفى', 'كفايه', 'بلوك', 'اعمل بلوك', 'ستوب', 'بس خلاص', 'خلاص بس'],
    optIn: [],
    help: ['مساعدة', 'مساعده'],
    revocationPhrases: [/عدم مراسلتي|عدم (ال)?[اأإ]رسال|عدم التواصل معي|لا [اأإ]ريد (ال)?رسائل|[اأإ]وقفوا (ال)?رسائل|[اأإ]وقف (ال)?رسائل|[اأإ]نا (لست|مش) |[اأإآ]لغ[يى]? (جميع|كل) (التذكيرات|الرسائل|الاشعارات|الإشعارات)|[اأإآ]لغ[اأإآ]ء? ال[اأإ]شتر[اأ]ك|[اأإآ]لغي ال[اأإ]شتر[اأ]ك|(لا) ?(ترسل|ترسلوا|تراسلني|تراسلوني|تبعث|تبعتوا)|توقف(وا)? عن ([اأإ]رسال|مراسلتي|المراسل[هة])|التوقف عن [اأإ]رسال|([اأإ]حذف|[اأإ]حذفوا|حذف|[اأإ]زل|[اأإ]زال[ةه]) رقمي|(الرقم|رقم) (غلط|خط[اأ]|خاطئ)/u],
  },
  ko: {
    optOut: ['수신거부', '무료수신거부', '거부', '중지', '그만', '해지', '취소', '수신중지', '구독취소', '스탑', '스톱', '종료'],
    optIn: [],
    help: ['도움', '도움말'],
    revocationPhrases: [/연락\s*하지\s*말|내버려\s*두|저는 .{1,12}(아닙니다|아니에요)|수신\s*(거부|철회|중지)|구독\s*취소|문자\s*(그만|보내지\s*마|사절|받기\s*싫)|받기\s*싫어|그만\s*(보내|좀)|보내지\s*마(세요|십시오)?|연락\s*하지\s*마|번호\s*(삭제|지워)|(번호|문자)\s*잘못|잘못\s*(된|보낸|보내)/u],
  },
  ru: {
    optOut: ['СТОП', 'ОТПИСАТЬСЯ', 'ОТПИСКА', 'ОТМЕНА', 'ХВАТИТ', 'ОТКАЗ', 'ПРЕКРАТИТЬ', 'ПРЕКРАТИТЕ', 'ОСТАНОВИТЬ', 'ОСТАНОВИТЕ', 'ОТПИШИТЕ', 'НЕ ПИШИТЕ', 'ОТСТАНЬТЕ', 'ОТСТАНЬ', 'ПЕРЕСТАНЬТЕ', 'ПЕРЕСТАНЬ'],
    optIn: [],
    help: ['ПОМОЩЬ'],
    revocationPhrases: [/перестаньте|перестань (писать|присылать|слать)|отстаньте|отстань от меня|я не [А-ЯЁ]|не (пишите|присылайте|отправляйте|звоните|пишите мне)|больше не (пишите|присылайте|отправляйте)|отпишите|отписаться|удалите (мой|меня)|уберите (мой|меня)|хватит (мне )?(писать|присылать|спамить|слать)|прекратите (писать|присылать|рассылку|слать)|не тот номер|ошиблись номером|неправильный номер|отказываюсь от рассылки/u],
  },
  ht: {
    optOut: ['SISPANN', 'KANPE', 'ANILE', 'RETIRE M', 'DEZABONE', 'SISPANN MESAJ', 'RETE', 'FINI'],
    optIn: [],
    help: ['ED', 'EDE'],
    revocationPhrases: [
      /\b(pa|pinga) (voye|ekri|rele)( (m|mwen|ban mwen|ba mwen|pou mwen))?( mesaj| tex| text)?( (ban|ba) (m|mwen))?( anko)?\b/,
      /\bsispann (voye|ekri)\b/,
      /\b(retire|wete|efase) (m|mwen|nimewo m|nimewo mwen)\b/,
      /\bmwen pa vle (resevwa|mesaj|tex)\b/,
      /\b(move|pa bon) nimewo\b|\bse pa bon nimewo\b|\bkijan pou m dezabone\b/,
    ],
    marker: /\b(mwen|mesi|souple|tanpri|bonjou|nou|yo|ou)\b/,
  },
};

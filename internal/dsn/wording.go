package dsn

import "strings"

// Families of wording that the structural decoder (structural.go) weighs. Each list names how
// mail systems write one thing, in the languages bounces come in; entries are lower-case and
// matched as substrings of a lower-cased line or subject. A family never names one server's
// sentence: it names the words a postmaster would look for.

// bounceSubjects are words of bounce subjects: English, German, French, Spanish, Italian,
// Portuguese, Dutch, Polish, Russian, Chinese, Japanese, Korean, Swedish, Czech, Turkish,
// Danish, Norwegian, Finnish, Hungarian, and (fewer words each) Greek, Romanian, Ukrainian,
// Bulgarian, Serbo-Croatian, Slovak, Slovenian, Lithuanian, Latvian, Estonian, Catalan,
// Indonesian, Vietnamese, Arabic and Hebrew.
var bounceSubjects = []string{
	// English
	"undeliver", "returned mail", "return mail", "mail returned", "returning message to sender",
	"delivery status notification", "delivery failure", "delivery failed", "delivery problem",
	"delivery error", "delivery notification", "failure notice", "failed delivery", "mail delivery",
	"non-delivery", "nondelivery", "non delivery", "not delivered", "could not be delivered",
	"couldn't be delivered", "cannot be delivered", "bounced mail", "mail system error",
	"message not delivered", "delivery report", "rejected mail", "mail failure",
	// German
	"unzustellbar", "nicht zustellbar", "nicht zugestellt", "zustellung fehlgeschlagen",
	"unzustellbare", "nicht ausgeliefert", "zustellungsfehler", "fehlgeschlagene zustellung",
	// French
	"non remis", "non distribuable", "non délivré", "non delivre", "échec de la remise",
	"echec de la remise", "échec de remise", "echec de remise", "avis de non-remise",
	"impossible de remettre", "retour de courrier", "notification d'état de remise",
	// Spanish
	"no entregado", "no entregable", "no se pudo entregar", "no se puede entregar",
	"imposible entregar", "correo devuelto", "mensaje devuelto", "error de entrega", "entrega fallida",
	"notificación de estado de entrega",
	// Italian
	"non recapitabile", "non recapitato", "mancato recapito", "impossibile recapitare",
	"consegna non riuscita", "errore di consegna", "messaggio non consegnato",
	// Portuguese
	"não entregue", "nao entregue", "não foi possível entregar", "nao foi possivel entregar",
	"falha na entrega", "não pode ser entregue", "mensagem devolvida", "impossível entregar",
	// Dutch
	"onbestelbaar", "niet bezorgd", "niet afgeleverd", "bezorging mislukt", "niet bestelbaar",
	// Polish
	"niedostarczon", "nie dostarczono", "niedostarczaln", "nie można dostarczyć", "niedoręczon",
	"błąd dostarczenia",
	// Russian
	"недоставлен", "не доставлен", "не удалось доставить", "невозможно доставить",
	"ошибка доставки", "возврат письма", "не может быть доставлен",
	// Chinese
	"退信", "未能送达", "无法投递", "投递失败", "发送失败", "未送达", "无法送达", "递送失败", "邮件被退回",
	"無法傳送", "傳送失敗", "無法投遞", "退回",
	// Japanese
	"返送", "不達", "未達", "配信エラー", "配信失敗", "配信不能", "配送エラー", "配送失敗", "送信エラー",
	"宛先不明", "配信できません", "エラーメール",
	// Korean
	"반송", "전달 실패", "배달 실패", "전송 실패", "발송 실패", "전달되지 않", "배달되지 않",
	// Swedish, Danish, Norwegian
	"olevererbar", "kunde inte levereras", "ej levererat", "leveransfel", "kunne ikke leveres",
	"ikke leveret", "ikke levert", "ulevert", "uleverbar",
	// Czech
	"nedoručiteln", "nedoručen", "nelze doručit", "chyba doručení",
	// Turkish
	"teslim edilemedi", "iletilemedi", "teslim edilemeyen", "gönderilemedi", "ulaştırılamadı",
	// Finnish, Hungarian
	"toimittamaton", "ei voitu toimittaa", "kézbesíthetetlen", "nem kézbesíthető",
	// Greek, Romanian, Ukrainian, Bulgarian, Croatian and Serbian, Slovak, Slovenian,
	// Lithuanian, Latvian, Estonian, Catalan, Indonesian, Vietnamese, Arabic, Hebrew
	"αδυναμία παράδοσης", "δεν παραδόθηκε", "nelivrat", "nu a putut fi livrat", "недоставлене",
	"не доставлено", "недоставено", "неиспоручено", "neisporučen", "nedoručiteľn", "nedostavljen",
	"nepristatyt", "nepiegādāt", "kohale toimetamata", "no lliurat", "no s'ha pogut lliurar",
	"tidak terkirim", "gagal terkirim", "không gửi được", "không thể gửi", "تعذر التسليم", "لم يتم التسليم",
	"לא נמסר",
}

// delaySubjects are words of subjects of delay warnings (the message is still queued).
var delaySubjects = []string{
	"delayed mail", "delivery delayed", "delay notification", "delivery delay", "message delayed",
	"still being retried", "delivery warning", "mail delivery warning", "warning: message", "(delay)",
	"verzögert", "retardé", "retardée", "retrasad", "ritardat", "atrasad", "vertraagd", "opóźnion",
	"задерж", "延迟", "延遲", "遅延", "지연", "försenad", "zpožděn", "gecik",
}

// systemSenders are words of the From field (display name or local part) of mail systems
// rather than people.
var systemSenders = []string{
	"mailer-daemon", "mailer daemon", "mailerdaemon", "mail-daemon", "maildaemon", "postmaster",
	"mdaemon", "mail delivery", "mail.delivery", "mail administrator", "system administrator",
	"mail system", "mail transport", "delivery subsystem", "delivery status notification",
	"mail server", "mailserver", "e-mail delivery", "email delivery", "message delivery",
	"returned mail", "delivery system", "mail gateway", "mail router",
}

// failureWords say in a bounce's text that delivery failed, in the languages of bounceSubjects.
// The reasons themselves (a full mailbox, an unknown user, ...) count too.
var failureWords = []string{
	// English
	"could not be delivered", "couldn't be delivered", "cannot be delivered", "can't be delivered",
	"was not delivered", "were not delivered", "has not been delivered", "not be delivered",
	"could not deliver", "couldn't deliver", "unable to deliver", "not able to deliver",
	"wasn't able to deliver", "was unable to deliver", "failed to deliver", "undeliverable",
	"delivery failed", "delivery has failed", "delivery to the following", "did not reach",
	"could not reach", "could not be reached", "permanent error", "permanent fatal", "fatal error",
	"delivery failure", "failed recipient", "failed address", "following address",
	"following recipient", "following user", "was rejected", "were rejected", "rejected your",
	"returned to sender", "non-delivery", "not accepting mail", "no such user", "user unknown",
	"unknown user", "does not exist", "no such mailbox", "mailbox unavailable", "mailbox is full",
	"mailbox full", "quota exceeded", "over quota", "invalid recipient", "unknown recipient",
	"recipient unknown", "not a valid", "has been returned", "was returned", "error occurred",
	"message was not sent", "could not be sent", "bounced", "not delivered to", "has failed",
	"failed due to", "full mailbox", "no mailbox", "no longer valid", "not valid", "is wrong",
	"invalid address", "failed", "not found", "rejected", "refused",
	// German
	"konnte nicht zugestellt", "nicht zugestellt", "unzustellbar", "zustellung fehlgeschlagen",
	"konnte nicht ausgeliefert", "nicht ausgeliefert", "existiert nicht", "unbekannt", "fehlgeschlagen",
	"nicht erreicht",
	// French
	"n'a pas pu être", "n'a pas pu etre", "n'a pas été remis", "n'a pas ete remis", "non remis",
	"impossible de remettre", "impossible de délivrer", "échec de la remise", "echec de la remise",
	"n'existe pas", "inconnu", "échoué", "echoue",
	// Spanish
	"no pudo ser entregado", "no se pudo entregar", "no ha podido ser entregado",
	"no pudo entregarse", "no se ha podido entregar", "no entregado", "imposible entregar",
	"no pudo ser entregada", "error permanente", "no existe", "fallido", "ha fallado", "no se ha entregado",
	"no se entregó",
	// Italian
	"non è stato possibile recapitare", "non e' stato possibile recapitare",
	"non è stato possibile consegnare", "non può essere recapitato", "non recapitato",
	"mancato recapito", "impossibile recapitare", "non è stato consegnato", "inesistente", "fallito",
	// Portuguese
	"não pode ser entregue", "nao pode ser entregue", "nao pode ser enviada", "não pôde ser entregue",
	"não foi entregue", "nao foi entregue", "não foi possível entregar", "nao foi possivel entregar",
	"falha na entrega", "não existe", "nao existe", "falhou",
	// Dutch
	"kon niet worden afgeleverd", "kan niet worden bezorgd", "kon niet worden bezorgd",
	"niet afgeleverd", "niet bezorgd", "onbestelbaar", "bestaat niet", "mislukt",
	// Polish
	"nie może zostać dostarczon", "nie została dostarczon", "nie mogła zostać dostarczon",
	"nie można dostarczyć", "niedostarczon", "nie istnieje", "nie powiodło",
	// Russian
	"не может быть доставлен", "не было доставлено", "не доставлен", "не удалось доставить",
	"невозможно доставить", "не существует", "недоставлен", "ошибка",
	// Chinese
	"无法投递", "无法送达", "未能送达", "投递失败", "发送失败", "不能送达", "无法发送", "退信", "被退回",
	"無法傳遞", "無法送達", "傳送失敗", "無法投遞", "不存在", "失败", "失敗",
	// Japanese
	"配信できません", "送信できません", "届きませんでした", "配送できません", "配信に失敗", "配送に失敗",
	"送信に失敗", "届けることができません", "配信できなかった", "存在しません", "宛先不明",
	// Korean
	"전달되지 않았습니다", "전송되지 않았습니다", "배달되지 않았습니다", "전송 실패", "전달 실패",
	"배달 실패", "존재하지 않", "발송 실패", "실패",
	// Swedish, Danish, Norwegian
	"kunde inte levereras", "har inte levererats", "kan inte levereras", "leveransen misslyckades",
	"kunne ikke leveres", "kan ikke leveres", "blev ikke leveret", "ble ikke levert", "misslyckades",
	// Czech
	"nemohla být doručena", "nelze doručit", "nebyla doručena", "nedoručiteln", "nedoručen", "selhal",
	// Turkish
	"teslim edilemedi", "iletilemedi", "gönderilemedi", "ulaştırılamadı", "teslim edilemiyor", "başarısız",
	// Finnish, Hungarian
	"ei voitu toimittaa", "toimitus epäonnistui", "nem kézbesíthető", "kézbesíthetetlen",
	"nem sikerült kézbesíteni",
	// Greek, Romanian, Ukrainian, Bulgarian, Croatian and Serbian, Slovak, Slovenian,
	// Lithuanian, Latvian, Estonian, Catalan, Indonesian, Vietnamese, Arabic, Hebrew
	"δεν ήταν δυνατή η παράδοση", "δεν παραδόθηκε", "αποτυχία παράδοσης", "nu a putut fi livrat",
	"nu a fost livrat", "не вдалося доставити", "не може бути доставлено", "не може да бъде доставено",
	"nije moguće isporučiti", "nije isporučen", "nebolo možné doručiť", "nebola doručená",
	"ni bilo mogoče dostaviti", "nepavyko pristatyti", "nevarēja piegādāt", "nav piegādāt",
	"ei õnnestunud", "no s'ha pogut lliurar", "tidak dapat dikirim", "gagal dikirim",
	"không thể gửi", "không gửi được", "تعذر تسليم", "لم يتم تسليم", "לא ניתן למסור",
}

// reasonWords say why delivery failed (not only that it did): an explanation that has one is a
// diagnostic of its own.
var reasonWords = []string{
	"unknown", "no such", "not exist", "doesn't exist", "does not exist", "not found", "not known",
	"invalid", "not valid", "no longer", "full", "quota", "exceed", "too much mail", "disabled",
	"suspend", "inactive", "expired", "timed out", "timeout", "time out", "refused", "rejected",
	"denied", "blocked", "blacklist", "spam", "virus", "unavailable", "unreachable",
	"not reachable", "not responding", "loop", "too large", "too big", "size limit", "relay",
	"policy", "permission", "authenti", "not allowed", "no mailbox", "not recognized",
	"not recognised", "not accepting", "busy", "queue", "not local", "mailfolder", "disk",
	"storage", "connection refused", "connection timed", "lookup failed", "no mx", "mx record",
	"inconnu", "n'existe", "invalide", "plein", "unbekannt", "existiert nicht", "ungültig", "voll",
	"desconocido", "no existe", "inválid", "lleno", "sconosciut", "inesistent", "non esiste", "piena",
	"desconhecid", "não existe", "nao existe", "cheia", "onbekend", "bestaat niet", "vol ",
	"nie istnieje", "nieznan", "pełn", "не существует", "неизвестн", "не найден", "переполнен",
	"不存在", "无效", "已满", "满了", "拒绝", "存在しません", "見つかりません", "満杯", "容量",
	"존재하지", "찾을 수 없", "가득", "finns inte", "okänd", "full", "neexistuje", "neznám", "plná",
	"mevcut değil", "bilinmeyen", "dolu",
}

// delayWords say that delivery has not happened yet and will be tried again.
var delayWords = []string{
	"has not yet been delivered", "not yet been delivered", "will keep trying", "still trying",
	"will continue to try", "will be retried", "will retry", "retrying", "has been postponed",
	"postponed", "delivery has been delayed", "has been delayed", "is delayed", "delayed",
	"warning only", "do not need to resend", "no action is required", "delivery attempts will continue",
	"still in the queue", "try again later", "deferred",
	"noch nicht zugestellt", "verzögert", "pas encore été remis", "retardé", "todavía no ha sido entregado",
	"retrasad", "non è ancora stato recapitato", "ritardat", "ainda não foi entregue", "atrasad",
	"nog niet afgeleverd", "vertraagd", "jeszcze nie został dostarczon", "opóźnion",
	"пока не доставлен", "задерж", "延迟", "遅延", "지연", "ännu inte levererats", "försenat",
	"zatím nebyla doručena", "henüz teslim edilemedi",
}

// successWords say that a message was delivered: a success report, not a bounce.
var successWords = []string{
	"successfully delivered", "delivered successfully", "delivery succeeded", "was delivered to",
	"has been delivered to", "successfully relayed", "delivery to the following recipients succeeded",
	"delivery was successful", "erfolgreich zugestellt", "remis avec succès", "entregado correctamente",
	"consegnato correttamente", "entregue com sucesso", "succesvol afgeleverd",
}

// challengeWords are the wording of challenge-response systems that hold a message until its
// sender proves to be a person: not a bounce, the recipient exists.
var challengeWords = []string{
	"verify that you are a human", "verify you are a human", "prove that you are a human",
	"prove you are human", "confirm that you are a human", "confirm you are human", "not a robot",
	"approved senders", "approved sender list", "whitelist", "white list", "guest list",
	"challenge", "verify your message", "verify this message", "confirm your message",
	"awaiting your verification", "pending your verification", "click the link below to verify",
	"click here to verify", "one-time verification", "anti-spam verification", "boxbe",
	"spam arrest", "spamarrest", "mailblocks", "sanebox",
}

// moderationWords are the wording of list-manager notices about a post held for a moderator.
var moderationWords = []string{
	"awaits moderator approval", "awaiting moderator approval", "held for moderation",
	"held until the list moderator", "requires moderator approval", "pending moderation",
	"post by non-member", "posting by non-member", "is being held until", "needs approval",
	"held for approval", "waiting for moderator", "moderator's decision",
}

// frozenWords are the wording of an MTA's notice to its postmaster that a message was frozen in
// the queue: the local administrator's business, not a recipient's failure.
var frozenWords = []string{
	"has been frozen", "is frozen", "was frozen", "message frozen", "frozen message", "freezing",
}

// readReceiptSubjects start the subjects of read receipts (RFC 8098 notices and the text ones
// mail clients write): "Read:", "Not read:", "Gelesen:", "Lu :", "Leído:", ...
var readReceiptSubjects = []string{
	"read:", "not read:", "read receipt", "gelesen:", "ungelesen:", "lu :", "lu:", "non lu :",
	"leído:", "leido:", "letto:", "lido:", "gelezen:", "przeczytano:", "прочитано:", "已读:", "開封済み",
}

// recipientLabels name, before a colon or an equals sign, the address of a failed recipient.
var recipientLabels = []string{
	"recipient", "recipients", "rcpt", "addressee", "destinat", "intended", "failed", "error-for",
	"original-recipient", "final-recipient", "invalid address", "unknown address", "bad address",
	"mailbox", "user", "undeliverable", "undelivered", "not delivered", "delivery failed",
	"delivery to", "could not be delivered", "unable to deliver", "empfänger", "empfaenger",
	"destinataire", "destinatario", "destinatário", "ontvanger", "adresat", "odbiorca", "получател",
	"адресат", "收件人", "收信人", "受信者", "宛先", "수신자", "받는 사람", "mottagare", "modtager",
	"mottaker", "příjemce", "alıcı", "vastaanottaja", "címzett",
}

// summaryLabels name the fields of a summary of the returned message ("To: ...", "Subject:
// ...") that some bounces write above their explanation: their address is the original's
// recipient, a weak sign of the failed one.
var summaryLabels = []string{"to", "an", "à", "a", "para", "per", "aan", "do", "кому", "至", "宛先", "받는 사람", "till", "til", "komu", "kime"}

// senderLabels name addresses that are never failed recipients: senders, list and reply
// addresses, message identifiers.
var senderLabels = []string{
	"from", "sender", "reply-to", "return-path", "errors-to", "envelope-from", "mail from",
	"message-id", "in-reply-to", "references", "x-", "von", "de", "da", "van", "od", "от", "发件人",
	"差出人", "보낸 사람", "från", "fra", "kimden", "cc", "bcc", "list-",
}

// toWords come right before the address a message was meant for in a failure sentence ("could
// not be delivered to ADDR", "Your message to ADDR"): English, German, French, Spanish,
// Portuguese, Italian, Dutch, Polish, Russian, Swedish, Czech.
var toWords = []string{"to", "for", "an", "à", "a", "para", "per", "naar", "aan", "do", "для", "на", "till", "pro", "recipient", "address", "user"}

// containsAny reports whether s contains one of words.
func containsAny(s string, words []string) bool {
	for _, w := range words {
		if strings.Contains(s, w) {
			return true
		}
	}
	return false
}

// lowerText lower-cases s: ASCII letters only when s is ASCII, every letter otherwise.
func lowerText(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return lowerASCII(s)
}

// wordMask is a set of word families.
type wordMask uint16

// The word families a line of a bounce's text is read for.
const (
	famFailure wordMask = 1 << iota
	famDelay
	famReason
	famSuccess
	famChallenge
	famModeration
	famFrozen
	famPermanent
)

// The word families of header fields, in headerWords.
const (
	hdrSender wordMask = 1 << iota // systemSenders
	hdrBounce                      // bounceSubjects
	hdrDelay                       // delaySubjects
)

// headerWords finds the word families of From and Subject values.
var headerWords = newFamilyIndex(map[wordMask][]string{
	hdrSender: systemSenders, hdrBounce: bounceSubjects, hdrDelay: delaySubjects,
})

// families finds, in one pass over a lower-case text, which word families have a word in it.
var families = newFamilyIndex(map[wordMask][]string{
	famFailure: failureWords, famDelay: delayWords, famReason: reasonWords, famSuccess: successWords,
	famChallenge: challengeWords, famModeration: moderationWords, famFrozen: frozenWords,
	famPermanent: permanentWords,
})

// familyIndex maps the first three bytes of every word of the families to the words that start
// with them; a bit set of their first two bytes lets a scan skip most positions of a text with one
// look-up. The structural decoder reads each line of a bounce once for all families with it,
// rather than once per word.
type familyIndex struct {
	pairs [1 << 16 / 64]uint64
	words map[uint32][]familyWord
}

type familyWord struct {
	word string
	fam  wordMask
}

func newFamilyIndex(fams map[wordMask][]string) *familyIndex {
	x := &familyIndex{words: map[uint32][]familyWord{}}
	for fam, words := range fams {
		for _, w := range words {
			if len(w) < 3 {
				panic("dsn: family word shorter than three bytes: " + w)
			}
			p := uint16(w[0])<<8 | uint16(w[1])
			x.pairs[p>>6] |= 1 << (p & 63)
			k := uint32(w[0])<<16 | uint32(w[1])<<8 | uint32(w[2])
			x.words[k] = append(x.words[k], familyWord{w, fam})
		}
	}
	return x
}

// first returns the first word of family fam in the lower-case text s, or "".
func (x *familyIndex) first(s string, fam wordMask) string {
	word := ""
	x.visit(s, func(fw familyWord) bool {
		if fw.fam&fam != 0 {
			word = fw.word
		}
		return word == ""
	})
	return word
}

// scan returns the families that have a word in the lower-case text s.
func (x *familyIndex) scan(s string) wordMask {
	var m wordMask
	x.visit(s, func(fw familyWord) bool {
		m |= fw.fam
		return true
	})
	return m
}

// visit calls fn with each word of the index that occurs in s, in the order of their
// positions, until fn returns false.
func (x *familyIndex) visit(s string, fn func(familyWord) bool) {
	for i := 0; i+2 < len(s); i++ {
		p := uint16(s[i])<<8 | uint16(s[i+1])
		if x.pairs[p>>6]&(1<<(p&63)) == 0 {
			continue
		}
		for _, fw := range x.words[uint32(s[i])<<16|uint32(s[i+1])<<8|uint32(s[i+2])] {
			if strings.HasPrefix(s[i:], fw.word) && !fn(fw) {
				return
			}
		}
	}
}

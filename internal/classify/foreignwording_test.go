package classify

import (
	"fmt"
	"testing"

	"github.com/reboundhq/rebound/internal/bounce"
)

// foreignCase is the reason sentence of a plain-text bounce in another language, as a mail
// store or provider writes it in its own notice: no status code, no SMTP command, so the
// wording alone decides. The sentences are written for rebound's tests (invented notices in
// the style of localized MTAs), not taken from any corpus.
type foreignCase struct {
	lang string
	want bounce.Reason
	text string
}

const (
	uu   = bounce.ReasonUserUnknown
	full = bounce.ReasonMailboxFull
	susp = bounce.ReasonSuspend
	host = bounce.ReasonHostUnknown
	big  = bounce.ReasonEmailTooLarge
	spam = bounce.ReasonSpamDetected
	blk  = bounce.ReasonBlocked
	rate = bounce.ReasonRateLimited
	exp  = bounce.ReasonExpired
	tmp  = bounce.ReasonSystemError
	rej  = bounce.ReasonRejected
	filt = bounce.ReasonFiltered
)

var foreignCases = []foreignCase{
	// German (GMX/Web.de/T-Online, localized Exchange, Postfix/Exim templates)
	{"de", uu, "Der Empfänger ist auf diesem Server nicht bekannt."},
	{"de", uu, "Kein Benutzer mit diesem Namen vorhanden: anna@beispiel.de"},
	{"de", full, "Die Nachricht konnte nicht zugestellt werden, weil das Postfach des Empfängers sein Kontingent überschritten hat."},
	{"de", full, "Speicherplatzbegrenzung erreicht: das Postfach ist übervoll."},
	{"de", susp, "Das Benutzerkonto des Empfängers ist gesperrt."},
	{"de", susp, "Das Postfach wurde deaktiviert."},
	{"de", host, "Die Domain der Empfängeradresse existiert nicht."},
	{"de", host, "Zieldomäne nicht gefunden: beispiel.invalid"},
	{"de", big, "Die Nachricht überschreitet die maximal zulässige Größe von 20 MB."},
	{"de", big, "Nachricht zu groß für das Postfach des Empfängers."},
	{"de", spam, "Ihre Nachricht wurde wegen verdächtigen Inhalts als unerwünschte Werbung abgelehnt."},
	{"de", blk, "Die IP-Adresse Ihres Mailservers steht auf einer Sperrliste."},
	{"de", rate, "Zu viele E-Mails in kurzer Zeit von Ihrem Server; bitte später erneut versuchen."},
	{"de", exp, "Die Nachricht konnte seit 5 Tagen nicht zugestellt werden; die Zustellung wurde aufgegeben."},
	{"de", tmp, "Vorübergehender Fehler beim Zielserver."},
	// French (Orange, Free, SFR, La Poste, localized Exchange and Zimbra)
	{"fr", uu, "Boîte aux lettres introuvable pour ce destinataire."},
	{"fr", uu, "L’adresse électronique de votre correspondant n’existe pas."},
	{"fr", uu, "Aucun utilisateur de ce nom sur ce serveur."},
	{"fr", full, "Le destinataire a dépassé son quota de stockage."},
	{"fr", full, "Espace de stockage insuffisant dans la boîte du destinataire."},
	{"fr", susp, "Le compte de ce destinataire a été désactivé."},
	{"fr", host, "Le domaine du destinataire n'existe pas."},
	{"fr", host, "Domaine introuvable : exemple.invalid"},
	{"fr", big, "La taille du message dépasse la limite autorisée par le serveur."},
	{"fr", big, "Message trop volumineux."},
	{"fr", spam, "Votre message a été identifié comme courrier indésirable et rejeté."},
	{"fr", blk, "Votre adresse IP figure sur une liste noire."},
	{"fr", rate, "Trop de messages envoyés depuis votre adresse IP, réessayez plus tard."},
	{"fr", exp, "Le message n'a pas pu être remis après 5 jours de tentatives ; abandon."},
	{"fr", exp, "Délai de remise dépassé."},
	{"fr", tmp, "Erreur temporaire du serveur distant, nouvelle tentative plus tard."},
	// Spanish (Terra, Telefónica, localized Exchange and Zimbra)
	{"es", uu, "Cuenta de correo inexistente."},
	{"es", uu, "No hay ningún usuario con ese nombre en este servidor."},
	{"es", full, "El buzón del destinatario ha superado su cuota de almacenamiento."},
	{"es", susp, "La cuenta del destinatario está suspendida."},
	{"es", host, "El dominio de destino no existe."},
	{"es", big, "El mensaje excede el tamaño máximo permitido."},
	{"es", spam, "Mensaje rechazado: detectado como correo no deseado."},
	{"es", blk, "Su servidor figura en una lista negra."},
	{"es", rate, "Demasiados mensajes enviados en poco tiempo; inténtelo más tarde."},
	{"es", exp, "No se pudo entregar el mensaje durante 4 días. Se abandona la entrega."},
	{"es", tmp, "Error temporal en el servidor de destino. Se reintentará."},
	// Italian (Libero, Virgilio, Aruba, localized Exchange)
	{"it", uu, "Destinatario non trovato."},
	{"it", uu, "L'indirizzo email del destinatario è errato o non esiste più."},
	{"it", full, "La casella di posta del destinatario ha superato la quota disponibile."},
	{"it", full, "Spazio esaurito nella casella del destinatario."},
	{"it", susp, "La casella del destinatario è stata disattivata."},
	{"it", host, "Dominio inesistente: esempio.invalid"},
	{"it", big, "Il messaggio supera la dimensione massima consentita."},
	{"it", spam, "Il messaggio è stato rifiutato perché considerato posta indesiderata."},
	{"it", blk, "Il vostro server è inserito in una lista nera."},
	{"it", rate, "Troppi messaggi inviati in breve tempo, riprovare più tardi."},
	{"it", exp, "Il messaggio non è stato consegnato entro 5 giorni; tentativi di consegna terminati."},
	{"it", tmp, "Errore temporaneo del server di destinazione, riprovare più tardi."},
	// Portuguese (UOL, BOL, Terra BR, Sapo, localized Exchange)
	{"pt", uu, "Destinatário não encontrado."},
	{"pt", uu, "A conta de e-mail informada não foi encontrada."},
	{"pt", full, "A conta do destinatário excedeu a cota de armazenamento."},
	{"pt", susp, "Conta do destinatário desativada."},
	{"pt", susp, "A caixa postal do destinatário está bloqueada."},
	{"pt", host, "O domínio do destinatário não existe."},
	{"pt", big, "A mensagem excede o tamanho máximo permitido."},
	{"pt", spam, "Mensagem recusada: conteúdo classificado como lixo eletrônico."},
	{"pt", blk, "Seu endereço IP consta em uma lista negra."},
	{"pt", rate, "Limite de envio excedido: muitas mensagens em pouco tempo."},
	{"pt", exp, "Não foi possível entregar a mensagem após 5 dias. Desistindo."},
	{"pt", tmp, "Falha temporária no servidor de destino."},
	// Dutch (KPN, Ziggo, localized Exchange)
	{"nl", uu, "De ontvanger is niet gevonden."},
	{"nl", uu, "Dit e-mailadres bestaat niet."},
	{"nl", full, "De mailbox van de ontvanger is vol."},
	{"nl", full, "Het quotum van de ontvanger is overschreden."},
	{"nl", susp, "Het account van de ontvanger is uitgeschakeld."},
	{"nl", host, "Het domein bestaat niet."},
	{"nl", big, "Het bericht is te groot voor de ontvangende server."},
	{"nl", spam, "Bericht geweigerd: herkend als ongewenste e-mail."},
	{"nl", blk, "Uw IP-adres staat op een zwarte lijst."},
	{"nl", rate, "Te veel berichten in korte tijd, probeer het later opnieuw."},
	{"nl", exp, "Het bericht kon na 4 dagen niet worden bezorgd; de bezorging is gestaakt."},
	{"nl", tmp, "Tijdelijke fout bij de ontvangende server."},
	// Polish (WP, Onet, Interia, o2)
	{"pl", uu, "Nie ma takiego użytkownika."},
	{"pl", uu, "Konto odbiorcy nie istnieje."},
	{"pl", full, "Przekroczono limit miejsca na koncie odbiorcy."},
	{"pl", full, "Brak miejsca w skrzynce odbiorcy."},
	{"pl", susp, "Konto odbiorcy zostało zablokowane."},
	{"pl", host, "Domena odbiorcy nie istnieje."},
	{"pl", big, "Wiadomość przekracza maksymalny dopuszczalny rozmiar."},
	{"pl", spam, "Wiadomość odrzucona: rozpoznana jako niechciana poczta."},
	{"pl", blk, "Adres IP serwera znajduje się na czarnej liście."},
	{"pl", rate, "Zbyt wiele wiadomości w krótkim czasie, spróbuj ponownie później."},
	{"pl", exp, "Nie udało się dostarczyć wiadomości przez 5 dni. Rezygnacja z dalszych prób."},
	{"pl", tmp, "Tymczasowy błąd serwera odbiorcy."},
	// Russian (Yandex, Mail.ru, Rambler, localized Exchange)
	{"ru", uu, "Неверный адрес получателя."},
	{"ru", uu, "Такой учётной записи нет."},
	{"ru", full, "Превышена квота почтового ящика получателя."},
	{"ru", full, "Недостаточно места в почтовом ящике получателя."},
	{"ru", susp, "Почтовый ящик получателя заблокирован."},
	{"ru", host, "Домен получателя не существует."},
	{"ru", big, "Размер письма превышает допустимый."},
	{"ru", spam, "Письмо отклонено: распознано как спам."},
	{"ru", blk, "Ваш IP-адрес находится в чёрном списке."},
	{"ru", rate, "Слишком много писем за короткое время, повторите попытку позже."},
	{"ru", exp, "Не удалось доставить письмо в течение 5 дней; попытки доставки прекращены."},
	{"ru", tmp, "Временная ошибка на сервере получателя."},
	// Czech (Seznam, Centrum)
	{"cs", uu, "Neznámý příjemce."},
	{"cs", uu, "Tato e-mailová adresa neexistuje."},
	{"cs", full, "Schránka příjemce je přeplněna."},
	{"cs", full, "Byla překročena kvóta schránky příjemce."},
	{"cs", susp, "Účet příjemce byl zablokován."},
	{"cs", host, "Doména příjemce neexistuje."},
	{"cs", big, "Zpráva je příliš velká."},
	{"cs", spam, "Zpráva byla odmítnuta jako nevyžádaná pošta."},
	{"cs", blk, "IP adresa serveru je na černé listině."},
	{"cs", rate, "Příliš mnoho zpráv za krátkou dobu, zkuste to později."},
	{"cs", exp, "Zprávu se nepodařilo doručit během 5 dnů, další pokusy nebudou provedeny."},
	{"cs", tmp, "Dočasná chyba serveru příjemce."},
	// Japanese (carriers, localized Postfix and Exchange)
	{"ja", uu, "指定されたメールアドレスは存在しません。"},
	{"ja", uu, "受信者が見つかりません。"},
	{"ja", full, "受信者のメールボックス容量を超えています。"},
	{"ja", susp, "このアカウントは現在利用停止中です。"},
	{"ja", host, "宛先ドメインが見つかりません。"},
	{"ja", big, "メールのサイズが大きすぎます。"},
	{"ja", spam, "迷惑メールと判定されたため受信を拒否しました。"},
	{"ja", blk, "送信元IPアドレスがブラックリストに登録されています。"},
	{"ja", blk, "送信元IPアドレスからの接続を拒否しました。"},
	{"ja", rate, "短時間に大量のメールが送信されたため、一時的に受信を制限しています。"},
	{"ja", exp, "5日間配送を試みましたが、配送できませんでした。"},
	{"ja", tmp, "受信サーバーで一時的なエラーが発生しました。"},
	// Chinese (QQ, 163/126, Sina, Aliyun, simplified and traditional)
	{"zh", uu, "查无此用户"},
	{"zh", uu, "该用户名不存在"},
	{"zh", full, "收件人邮箱容量不足"},
	{"zh", full, "收件人信箱空間已超過配額"},
	{"zh", susp, "收件人帐户已被冻结"},
	{"zh", susp, "该邮箱已停用"},
	{"zh", host, "收件人域名不存在"},
	{"zh", big, "邮件大小超过限制"},
	{"zh", spam, "邮件被判定为垃圾邮件"},
	{"zh", blk, "发件IP在黑名单中"},
	{"zh", rate, "发送频率过快，请稍后再试"},
	{"zh", exp, "邮件在队列中停留超过5天，投递超时"},
	{"zh", tmp, "对方服务器临时错误，请稍后重试"},
	// the recipient's own refusal (filtered)
	{"de", filt, "Der Empfänger hat Ihre Adresse gesperrt."},
	{"fr", filt, "Le destinataire vous a bloqué."},
	{"es", filt, "El destinatario le ha bloqueado."},
	{"it", filt, "Il destinatario ha bloccato il tuo indirizzo."},
	{"ru", filt, "Получатель заблокировал ваш адрес."},
	{"ja", filt, "宛先の受信拒否設定により配信できませんでした。"},
	{"zh", filt, "该邮件被收件人拒收"},
	{"ko", filt, "받는 사람이 수신 거부한 주소입니다."},
	// Korean (Naver, Daum/Kakao, localized Exchange)
	{"ko", uu, "수신자 주소를 찾을 수 없습니다."},
	{"ko", full, "받는 사람의 메일함 용량이 초과되었습니다."},
	{"ko", susp, "수신자 계정이 휴면 상태입니다."},
	{"ko", host, "받는 사람의 도메인을 찾을 수 없습니다."},
	{"ko", big, "메일 크기가 허용된 최대 크기를 초과했습니다."},
	{"ko", spam, "스팸으로 분류되어 거부되었습니다."},
	{"ko", blk, "보내는 서버의 IP가 차단 목록에 등록되어 있습니다."},
	{"ko", rate, "짧은 시간에 너무 많은 메일을 보내 일시적으로 제한되었습니다."},
	{"ko", exp, "5일 동안 전달하지 못해 발송을 중단했습니다."},
	{"ko", tmp, "수신 서버의 일시적인 오류입니다."},
}

// foreignGuards are sentences near a family's edge: a user unknown in a named domain is not an
// unknown domain, a full mailbox with "too many messages" is no rate limit, a sending quota is
// no mailbox quota, an unknown sender is no unknown recipient, the size of the mailbox is not
// that of the message.
var foreignGuards = []foreignCase{
	{"de", uu, "Der Benutzer ist in der Domain beispiel.de unbekannt."},
	{"fr", uu, "L'utilisateur n'existe pas dans le domaine exemple.fr."},
	{"es", uu, "El usuario no existe en el dominio ejemplo.es."},
	{"de", full, "Zu viele Nachrichten im Postfach des Empfängers, das Postfach ist voll."},
	{"ru", full, "Почтовый ящик переполнен, слишком много писем в ящике."},
	{"it", susp, "L'account del destinatario è sospeso."},
	{"fr", uu, "Domaine exemple.fr : utilisateur inconnu."},
	{"es", uu, "Dominio ejemplo.es: el usuario no existe."},
	{"ru", full, "Размер почтового ящика превышен."},
	{"pt", rate, "Cota de envio diária excedida para este remetente."},
	{"de", rate, "Sendekontingent überschritten."},
	{"de", host, "Die Domain beispiel.invalid existiert nicht."},
	{"es", rej, "El remitente no existe."},
	{"pl", rej, "Adres nadawcy nie istnieje."},
	{"ru", rej, "Домен отправителя не существует."},
	{"fr", rej, "Domaine de l'expéditeur introuvable."},
	{"de", uu, "Absender: news@x.de Empfänger: anna@y.de Grund: Benutzer unbekannt"},
	{"de", full, "Das Postfach des Empfängers hat die maximale Postfachgröße überschritten."},
	{"fr", full, "La taille de la boîte aux lettres du destinataire est dépassée."},
}

// foreignNotBounces are sentences an auto-reply or an ordinary message writes in the same
// languages (a count of days, a blocked address by the recipient's own choice): no reason rule
// of these families may take them.
var foreignNotBounces = []string{
	"Ich bin bis zum 20. Oktober nicht im Büro. Ihre E-Mail wird nach 3 Tagen beantwortet.",
	"Estaré fuera de la oficina durante 5 días. Responderé a su mensaje a mi regreso.",
	"Sono in ferie fino al 12 agosto, risponderò dopo 3 giorni dal rientro.",
	"Bedankt voor uw bericht. Wij reageren binnen 2 dagen.",
	"Dziękujemy za wiadomość. Odpowiemy w ciągu 2 dni roboczych.",
	"Спасибо за письмо. Я в отпуске и отвечу через 5 дней.",
	"Děkujeme za zprávu. Odpovíme během 2 dnů.",
	"ただいま休暇中です。3日間不在にしております。",
	"您好，我正在休假，将在5天后回复您的邮件。",
	"안녕하세요. 휴가 중입니다. 5일 동안 메일 확인이 어렵습니다.",
}

// TestForeignWording checks the wording families of other languages: each reason sentence of
// a plain-text notice gets the reason it states.
func TestForeignWording(t *testing.T) {
	c := defaultClassifier(t)
	for i, tc := range append(foreignCases, foreignGuards...) {
		t.Run(fmt.Sprintf("%s/%s/%d", tc.lang, tc.want, i), func(t *testing.T) {
			got := c.Classify(withFormat("structural", tc.text))
			if got.Reason != tc.want {
				t.Errorf("%q: got %s by %s, want %s", tc.text, got.Reason, got.Rule, tc.want)
			}
		})
	}
}

// TestForeignNotBounce checks that the families of other languages leave alone what an
// auto-reply says: the text is left without a reason (onhold).
func TestForeignNotBounce(t *testing.T) {
	c := defaultClassifier(t)
	for i, text := range foreignNotBounces {
		got := c.Classify(withFormat("structural", text))
		if got.Reason != bounce.ReasonOnHold {
			t.Errorf("%d %q: got %s by %s, want onhold (no rule)", i, text, got.Reason, got.Rule)
		}
	}
}

package dsn

import "strings"

// Mailbox providers that write their bounces in their own language and layout: the Chinese
// NetEase (163.com, 126.com, yeah.net), Tencent QQ Mail and Sina, the Russian Mail.Ru and
// Yandex. Their notices come from the provider's own system mailbox (postmaster@,
// mailer-daemon@) and name the recipient after a label ("收件人：", "Получатель:") or alone
// under the failure sentence, with the reason after another label ("退信原因：", "Причина:"):
// the positions the structural reading takes. The provider is recognised by the domain of that
// system sender; the records carry the provider's name as their format.

// providerSenders maps a format name to the domains of its system senders.
var providerSenders = []struct {
	name    string
	domains []string
}{
	{"netease", []string{"163.com", "126.com", "yeah.net", "188.com", "netease.com"}},
	{"qq", []string{"qq.com", "foxmail.com", "exmail.qq.com"}},
	{"sina", []string{"sina.com", "sina.cn", "sina.com.cn", "vip.sina.com"}},
	{"mailru", []string{"mail.ru", "inbox.ru", "list.ru", "bk.ru", "corp.mail.ru"}},
	{"yandex", []string{"yandex.ru", "yandex.com", "ya.ru", "yandex.net", "yandex-team.ru"}},
}

// providerDetectors are one detector per provider of providerSenders.
var providerDetectors = func() []detector {
	ds := make([]detector, 0, len(providerSenders))
	for _, p := range providerSenders {
		domains := p.domains
		ds = append(ds, detector{name: p.name, decode: decodeWithStructure, match: func(m *message) bool {
			d := m.systemSenderDomain()
			return d != "" && domainIn(d, domains)
		}})
	}
	return ds
}()

// systemSenderDomain returns the lower-case domain of the From address when it is a mail
// system's (see isSystemSender), else "". It is worked out once per message.
func (m *message) systemSenderDomain() string {
	if !m.senderDone {
		m.senderDone = true
		if isSystemSender(m.from) {
			_, m.senderDomain, _ = strings.Cut(lowerASCII(findAddress(m.from)), "@")
		}
	}
	return m.senderDomain
}

// domainIn reports whether d is one of domains or a subdomain of one.
func domainIn(d string, domains []string) bool {
	for _, x := range domains {
		if d == x || strings.HasSuffix(d, "."+x) {
			return true
		}
	}
	return false
}

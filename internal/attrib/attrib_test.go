package attrib

import (
	"strings"
	"testing"

	"github.com/reboundhq/rebound/internal/dsn"
)

func verpConfig(t *testing.T, patterns ...string) *Config {
	t.Helper()
	c := &Config{Order: []Source{SourceVERP}, VERP: patterns}
	if err := c.Compile(); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestVERPPatterns(t *testing.T) {
	tests := []struct {
		name, pattern, addr, want, wantRcpt string
	}{
		{"plus and dash", "bounces+{campaign}-{recipient}@", "bounces+spring26-jo=example.org@bounce.example.com", "spring26", "jo@example.org"},
		{"angle brackets", "bounces+{campaign}-{recipient}@", "<bounces+c1-a.b=example.net@x.example>", "c1", "a.b@example.net"},
		{"literal case", "bounces+{campaign}-{recipient}@", "BOUNCES+c1-jo=example.org@x.example", "c1", "jo@example.org"},
		{"campaign case kept", "bounces+{campaign}-{recipient}@", "bounces+Spring-jo=example.org@x.example", "Spring", "jo@example.org"},
		{"recipient with dash, shortest campaign", "bounces+{campaign}-{recipient}@", "bounces+c1-jo-ann=example.org@x.example", "c1", "jo-ann@example.org"},
		{"campaign only", "b-{campaign}@", "b-4711@bounce.example.com", "4711", ""},
		{"no at sign", "b-{campaign}", "b-4711@bounce.example.com", "4711", ""},
		{"fixed domain", "b-{campaign}@bounce.example.com", "b-4711@Bounce.Example.com", "4711", ""},
		{"fixed domain mismatch", "b-{campaign}@bounce.example.com", "b-4711@other.example.com", "", ""},
		{"recipient first", "{recipient}-{campaign}@bounce.example.com", "jo=example.org-c9@bounce.example.com", "c9", "jo@example.org"},
		{"wildcard", "{*}+{campaign}@", "list-bounces+c7@example.com", "c7", ""},
		{"prefix mismatch", "bounces+{campaign}-{recipient}@", "return+c1-jo=example.org@x.example", "", ""},
		{"recipient not encoded", "bounces+{campaign}-{recipient}@", "bounces+c1-jo@x.example", "", ""},
		{"empty campaign", "b-{campaign}@", "b-@x.example", "", ""},
		{"trailing text required", "b-{campaign}-x@", "b-c1@x.example", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := verpConfig(t, tt.pattern)
			got, src := c.Campaign(Input{ReturnPath: tt.addr})
			if got != tt.want {
				t.Fatalf("campaign = %q, want %q", got, tt.want)
			}
			if got != "" && src != SourceVERP {
				t.Errorf("source = %q", src)
			}
			_, rcpt, _ := c.MatchVERP(tt.addr)
			if rcpt != tt.wantRcpt {
				t.Errorf("recipient = %q, want %q", rcpt, tt.wantRcpt)
			}
		})
	}
}

// The failed recipient settles an ambiguous split: the campaign contains the separator.
func TestVERPRecipientDisambiguates(t *testing.T) {
	c := verpConfig(t, "bounces+{campaign}-{recipient}@")
	addr := "bounces+spring-sale-jo=example.org@bounce.example.com"
	if got, _ := c.Campaign(Input{ReturnPath: addr}); got != "spring" {
		t.Fatalf("without recipient: %q, want the shortest campaign", got)
	}
	got, _ := c.Campaign(Input{ReturnPath: addr, Recipient: "<Jo@example.org>"})
	if got != "spring-sale" {
		t.Fatalf("with recipient: %q, want spring-sale", got)
	}
	// Recipient first, with a separator that also occurs in domains.
	c2 := verpConfig(t, "{recipient}.{campaign}@bounce.example.com")
	got, _ = c2.Campaign(Input{ReturnPath: "jo=example.org.c9@bounce.example.com", Recipient: "jo@example.org"})
	if got != "c9" {
		t.Fatalf("recipient first: %q, want c9", got)
	}
	// A recipient that cannot be found in the address: no VERP match at all.
	if got, _ := c.Campaign(Input{ReturnPath: addr, Recipient: "other@example.org"}); got != "" {
		t.Fatalf("mismatched recipient: %q", got)
	}
}

func TestVERPAddressOrder(t *testing.T) {
	c := verpConfig(t, "b-{campaign}@")
	in := Input{EnvelopeTo: "b-env@x.example", To: "B <b-to@x.example>", ReturnPath: "b-rp@x.example"}
	if got, _ := c.Campaign(in); got != "env" {
		t.Errorf("got %q, want the envelope recipient first", got)
	}
	in.EnvelopeTo = ""
	if got, _ := c.Campaign(in); got != "to" {
		t.Errorf("got %q, want To second", got)
	}
	in.To = "postmaster@x.example"
	if got, _ := c.Campaign(in); got != "rp" {
		t.Errorf("got %q, want Return-Path last", got)
	}
}

func TestVERPPatternErrors(t *testing.T) {
	for _, p := range []string{
		"", "bounces@", "b-{campaign}{recipient}@", "b-{campaign}-{campaign}@", "b-{camp}@",
		"b-{campaign@", "b-}{campaign}@", "{recipient}-{recipient}-{campaign}@", "{*}.{*}.{*}.{campaign}@",
	} {
		if _, err := compileVERP(p); err == nil {
			t.Errorf("%q: no error", p)
		}
	}
}

func TestHeaderSources(t *testing.T) {
	tests := []struct {
		name   string
		header string
		value  string
		want   string
		source Source
	}{
		{"campaign id", "X-Campaign-ID", " c-42 ", "c-42", SourceCampaignID},
		{"campaign id canonical key", "X-Campaign-Id", "c-42", "c-42", SourceCampaignID},
		{"campaign id lower key", "x-campaign-id", "c-42", "c-42", SourceCampaignID},
		{"campaign", "X-Campaign", "newsletter-7", "newsletter-7", SourceCampaign},
		{"mailgun tag", "X-Mailgun-Tag", "promo", "promo", SourceMailgunTag},
		{"ses configuration set", "X-SES-CONFIGURATION-SET", "transactional", "transactional", SourceSESConfig},
		{"feedback id", "Feedback-ID", "camp9:cust1:promo:esp77", "camp9", SourceFeedbackID},
		{"feedback id sender only", "Feedback-ID", "esp77", "", ""},
		{"list id", "List-ID", `"Weekly news" <weekly.news.example.com>`, "weekly.news.example.com", SourceListID},
		{"list id bare", "List-Id", "weekly.example.com", "weekly.example.com", SourceListID},
		{"empty value", "X-Campaign-ID", "  ", "", ""},
		{"multi-line value refused", "X-Campaign-ID", "a\nb", "", ""},
		{"too long", "X-Campaign-ID", strings.Repeat("x", maxCampaign+1), "", ""},
	}
	c := DefaultConfig()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, src := c.Campaign(Input{Headers: map[string]string{tt.header: tt.value}})
			if got != tt.want || src != tt.source {
				t.Errorf("got %q from %q, want %q from %q", got, src, tt.want, tt.source)
			}
		})
	}
}

func TestFeedbackIDField(t *testing.T) {
	c := &Config{Order: []Source{SourceFeedbackID}, FeedbackIDField: 3}
	in := Input{Headers: map[string]string{"Feedback-ID": "c1:cust:promo:sender"}}
	if got, _ := c.Campaign(in); got != "promo" {
		t.Errorf("field 3: %q", got)
	}
	c = &Config{Order: []Source{SourceFeedbackID}, FeedbackIDField: 4}
	if got, _ := c.Campaign(in); got != "" {
		t.Errorf("field 4 is the sender id, got %q", got)
	}
}

func TestMessageIDSource(t *testing.T) {
	tests := []struct{ pattern, id, want string }{
		{`^(?P<campaign>[a-z0-9]+)\.`, "<spring26.8f3a@mail.example.com>", "spring26"},
		{`^cmp-([0-9]+)-`, "cmp-77-abc@example.com", "77"},
		{`^(x)-(?P<campaign>[0-9]+)`, "x-12@example.com", "12"},
		{`^news[0-9]+`, "news42.1@example.com", "news42"},
		{`^(?P<campaign>[a-z]+)\.`, "<1234@example.com>", ""},
	}
	for _, tt := range tests {
		c := &Config{Order: []Source{SourceMessageID}, MessageID: tt.pattern}
		if err := c.Compile(); err != nil {
			t.Fatal(err)
		}
		if got, _ := c.Campaign(Input{MessageID: tt.id}); got != tt.want {
			t.Errorf("%s on %s: %q, want %q", tt.pattern, tt.id, got, tt.want)
		}
	}
	if got, _ := DefaultConfig().Campaign(Input{MessageID: "<spring26.1@example.com>"}); got != "" {
		t.Errorf("default config has no message-id pattern, got %q", got)
	}
}

func TestPrecedence(t *testing.T) {
	full := Input{
		ReturnPath: "bounces+verp1-jo=example.org@bounce.example.com",
		MessageID:  "<msg1.x@example.com>",
		Headers: map[string]string{
			"X-Campaign-ID":           "hdr-id",
			"X-Campaign":              "hdr-campaign",
			"X-Mailgun-Tag":           "mg",
			"X-SES-CONFIGURATION-SET": "ses",
			"Feedback-ID":             "fb:cust:type:sender",
			"List-ID":                 "<list.example.com>",
		},
	}
	c := DefaultConfig()
	c2 := &Config{Order: c.Order, VERP: []string{"bounces+{campaign}-{recipient}@"}, MessageID: `^([a-z0-9]+)\.`, FeedbackIDField: 1}
	steps := []struct {
		want   string
		source Source
		drop   func(*Input)
	}{
		{"verp1", SourceVERP, func(in *Input) { in.ReturnPath = "" }},
		{"hdr-id", SourceCampaignID, func(in *Input) { delete(in.Headers, "X-Campaign-ID") }},
		{"hdr-campaign", SourceCampaign, func(in *Input) { delete(in.Headers, "X-Campaign") }},
		{"mg", SourceMailgunTag, func(in *Input) { delete(in.Headers, "X-Mailgun-Tag") }},
		{"ses", SourceSESConfig, func(in *Input) { delete(in.Headers, "X-SES-CONFIGURATION-SET") }},
		{"fb", SourceFeedbackID, func(in *Input) { delete(in.Headers, "Feedback-ID") }},
		{"list.example.com", SourceListID, func(in *Input) { delete(in.Headers, "List-ID") }},
		{"msg1", SourceMessageID, func(in *Input) { in.MessageID = "" }},
		{"", "", nil},
	}
	in := full
	for _, s := range steps {
		got, src := c2.Campaign(in)
		if got != s.want || src != s.source {
			t.Fatalf("got %q from %q, want %q from %q", got, src, s.want, s.source)
		}
		if s.drop != nil {
			s.drop(&in)
		}
	}
	// A custom order: List-ID before everything.
	c3 := &Config{Order: []Source{SourceListID, SourceCampaignID}}
	in = Input{Headers: map[string]string{"List-ID": "<l.example>", "X-Campaign-ID": "x"}}
	if got, src := c3.Campaign(in); got != "l.example" || src != SourceListID {
		t.Errorf("custom order: %q from %q", got, src)
	}
}

func TestSendingDomain(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		in   Input
		want string
	}{
		{Input{From: `"Shop" <News@Mail.Example.COM>`, ReturnPath: "<b@bounce.example.net>"}, "mail.example.com"},
		{Input{From: "no address", ReturnPath: "<b+x@Bounce.Example.net>"}, "bounce.example.net"},
		{Input{ReturnPath: "<>"}, ""},
		{Input{From: "a@example.com."}, "example.com"},
		{Input{}, ""},
	}
	for _, tt := range tests {
		if got := c.SendingDomain(tt.in); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt.in, got, tt.want)
		}
	}
	rp := &Config{DomainOrder: []DomainSource{DomainReturnPath, DomainFrom}}
	in := Input{From: "a@from.example", ReturnPath: "b@rp.example"}
	if got := rp.SendingDomain(in); got != "rp.example" {
		t.Errorf("return-path first: %q", got)
	}
}

func TestAttributeReport(t *testing.T) {
	c := &Config{Order: Sources, VERP: []string{"bounces+{campaign}-{recipient}@"}}
	r := &dsn.Report{Original: dsn.Original{
		From:       "Shop <shop@example.com>",
		ReturnPath: "<bounces+spring-sale-jo=example.org@bounce.example.com>",
		Headers:    map[string]string{"X-Campaign-ID": "other"},
	}}
	camp, dom := c.Attribute(r, &dsn.Recipient{Recipient: "jo@example.org"})
	if camp != "spring-sale" || dom != "example.com" {
		t.Errorf("got %q, %q", camp, dom)
	}
}

func TestParseConfig(t *testing.T) {
	src := `# attribution for example.com
sources = verp | feedback-id | x-campaign-id   # our order
verp = bounces+{campaign}-{recipient}@
       b#{campaign}@bounce.example.com
feedback_id_field = 2
message_id = ^(?P<campaign>[a-z]+)\.
sending_domain = return-path
`
	// the same in the format of before issue 14: kebab-case keys, comma lists, verp repeated
	old := `# attribution for example.com
sources = verp, feedback-id, x-campaign-id   # our order
verp = bounces+{campaign}-{recipient}@
verp = b#{campaign}@bounce.example.com
feedback-id-field = 2
message-id = ^(?P<campaign>[a-z]+)\.
sending-domain = return-path
`
	for _, src := range []string{src, old} {
		c, err := ParseConfig(strings.NewReader(src), "attrib.conf")
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Order) != 3 || c.Order[1] != SourceFeedbackID || len(c.VERP) != 2 || c.FeedbackIDField != 2 {
			t.Fatalf("parsed %+v", c)
		}
		if got, _ := c.Campaign(Input{ReturnPath: "b#c5@bounce.example.com"}); got != "c5" {
			t.Errorf("second verp pattern: %q", got)
		}
		if got, _ := c.Campaign(Input{Headers: map[string]string{"Feedback-ID": "a:b:c:d"}}); got != "b" {
			t.Errorf("feedback field 2: %q", got)
		}
		if got := c.SendingDomain(Input{From: "a@f.example", ReturnPath: "b@r.example"}); got != "r.example" {
			t.Errorf("sending domain: %q", got)
		}
	}
}

func TestParseConfigErrors(t *testing.T) {
	tests := []struct{ src, want string }{
		{"sources = verp | bogus", "c.conf:1: unknown source"},
		{"\n\nverp = b-{x}@", "c.conf:3: verp pattern"},
		{"feedback_id_field = 0", "c.conf:1: feedback_id_field"},
		{"message_id = (", "c.conf:1: message_id pattern"},
		{"colour = red", "c.conf:1: unknown key"},
		{"just words", "c.conf:1: expected key = value"},
		{"sending_domain = envelope", "c.conf:1: unknown sending_domain source"},
		{"[campaign]\nverp = x{campaign}@", "c.conf:1: an attribution file has no sections"},
		{"message_id = a\nmessage_id = b", "c.conf:2: message_id given twice (first on line 1)"},
	}
	for _, tt := range tests {
		_, err := ParseConfig(strings.NewReader(tt.src), "c.conf")
		if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want prefix %q", tt.src, err, tt.want)
		}
	}
}

// TestParseConfigReportsEverything checks that every problem of an attribution file comes out
// of one run, each at its line.
func TestParseConfigReportsEverything(t *testing.T) {
	src := "sources = verp | bogus\n" +
		"verp = b-{x}@\n" +
		"       ok-{campaign}@\n" +
		"       {campaign}{recipient}@\n" +
		"feedback_id_field = 0\n" +
		"colour = red\n"
	_, err := ParseConfig(strings.NewReader(src), "c.conf")
	if err == nil {
		t.Fatal("no error")
	}
	var lines []string
	for _, l := range strings.Split(err.Error(), "\n") {
		lines = append(lines, l[:strings.Index(l, ": ")])
	}
	if got := strings.Join(lines, " "); got != "c.conf:1 c.conf:2 c.conf:4 c.conf:5 c.conf:6" {
		t.Errorf("problems at %s:\n%v", got, err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add("sources = verp | list-id\nverp = bounces+{campaign}-{recipient}@\n")
	f.Add("message_id = ^(?P<campaign>[a-z]+)\\.\nfeedback_id_field = 2")
	f.Add("verp = {*}+{campaign}@bounce.example.com # c\n  x-{campaign}@")
	f.Add("sources = verp, list-id\nfeedback-id-field = 2")
	f.Fuzz(func(t *testing.T, src string) {
		c, err := ParseConfig(strings.NewReader(src), "fuzz")
		if err != nil {
			return
		}
		c.Campaign(Input{ReturnPath: "bounces+c1-jo=example.org@x.example", MessageID: "a.b@c",
			Headers: map[string]string{"Feedback-ID": "a:b:c:d", "List-ID": "<l>"}})
	})
}

func FuzzVERPMatch(f *testing.F) {
	f.Add("bounces+{campaign}-{recipient}@", "bounces+c1-jo=example.org@x.example", "jo@example.org")
	f.Add("{recipient}.{campaign}@b.example", "a=b.c.d@b.example", "")
	f.Add("{*}+{campaign}@", "x+y+z@w", "")
	f.Fuzz(func(t *testing.T, pattern, addr, want string) {
		p, err := compileVERP(pattern)
		if err != nil {
			return
		}
		m, ok := p.match(addr, want)
		if ok && (m.Campaign == "" || strings.Contains(m.Campaign, "@")) {
			t.Fatalf("bad campaign %q", m.Campaign)
		}
	})
}

// Package attrib finds the campaign a bounced message belonged to and the domain it was sent
// from, so that bounces can be counted per campaign and per sending domain.
//
// The campaign comes from an ordered list of sources (see docs/attribution.md):
//
//   - verp: a VERP envelope sender such as bounces+{campaign}-{recipient}@ (the RFC 5321
//     section 4.1.2 local part of the reverse-path, which RFC 5321 section 4.4 carries back as
//     Return-Path and as the bounce's recipient), matched against the bounce's envelope
//     recipient, its To and the returned message's Return-Path;
//   - headers of the returned message: X-Campaign-ID, X-Campaign, X-Mailgun-Tag,
//     X-SES-CONFIGURATION-SET, Feedback-ID (one colon-separated field), List-ID (the
//     RFC 2919 section 3 identifier between angle brackets);
//   - message-id: a regular expression applied to the RFC 5322 section 3.6.4 Message-ID.
//
// The sending domain is the domain of the returned message's From (RFC 5322 section 3.6.2) or of
// its Return-Path.
package attrib

import (
	"net/textproto"
	"strings"
	"sync"
)

// Source names a place a campaign can be read from.
type Source string

// Sources of a campaign.
const (
	SourceVERP       Source = "verp"
	SourceCampaignID Source = "x-campaign-id"
	SourceCampaign   Source = "x-campaign"
	SourceMailgunTag Source = "x-mailgun-tag"
	SourceSESConfig  Source = "x-ses-configuration-set"
	SourceFeedbackID Source = "feedback-id"
	SourceListID     Source = "list-id"
	SourceMessageID  Source = "message-id"
)

// Sources lists every Source, in the default order of precedence.
var Sources = []Source{SourceVERP, SourceCampaignID, SourceCampaign, SourceMailgunTag,
	SourceSESConfig, SourceFeedbackID, SourceListID, SourceMessageID}

// DomainSource names a place the sending domain can be read from.
type DomainSource string

// Sources of the sending domain.
const (
	DomainFrom       DomainSource = "from"
	DomainReturnPath DomainSource = "return-path"
)

// DomainSources lists every DomainSource, in the default order of precedence.
var DomainSources = []DomainSource{DomainFrom, DomainReturnPath}

// DefaultFeedbackIDField is the Feedback-ID field read by default: the first, which Gmail's
// "CampaignID:CustomerID:MailTypeID:SenderID" layout reserves for the campaign.
const DefaultFeedbackIDField = 1

// maxCampaign bounds the length of a campaign read from a message.
const maxCampaign = 200

// Input is what attribution looks at for one bounced recipient. Every field may be empty.
type Input struct {
	Headers    map[string]string // headers of the returned message, by name (any case)
	From       string            // From of the returned message
	ReturnPath string            // Return-Path of the returned message (its envelope sender)
	To         string            // To of the bounce itself (the VERP address it was sent back to)
	EnvelopeTo string            // envelope recipient of the bounce (Delivered-To, X-Original-To)
	MessageID  string            // Message-ID of the returned message
	Recipient  string            // the failed recipient; when known it must agree with {recipient}
}

// Config says where campaigns and sending domains are read from. Build one with DefaultConfig or
// ParseConfig, or fill the exported fields and call Compile. A Config is safe for concurrent use
// once compiled and must not be copied after first use.
type Config struct {
	Order           []Source       // sources tried in turn; the first that yields a campaign wins
	VERP            []string       // VERP patterns, e.g. "bounces+{campaign}-{recipient}@"
	FeedbackIDField int            // 1-based field of Feedback-ID holding the campaign
	MessageID       string         // regexp on the Message-ID (without <>); group "campaign" or 1
	DomainOrder     []DomainSource // where the sending domain is read from, in turn

	once    sync.Once
	verp    []*verpPattern
	msgID   *messageIDPattern
	compErr error
}

// DefaultConfig returns the default configuration: every source in the order of Sources, no
// VERP pattern and no Message-ID pattern (both depend on how the sender builds them), Feedback-ID
// field 1, and the sending domain from From then Return-Path.
func DefaultConfig() *Config {
	c := &Config{
		Order:           append([]Source(nil), Sources...),
		FeedbackIDField: DefaultFeedbackIDField,
		DomainOrder:     append([]DomainSource(nil), DomainSources...),
	}
	c.Compile()
	return c
}

// Compile checks and prepares the patterns. It returns the first error; Campaign compiles on
// first use when Compile was not called, skipping what does not compile.
func (c *Config) Compile() error {
	c.once.Do(c.compile)
	return c.compErr
}

func (c *Config) compile() {
	for _, s := range c.Order {
		if !knownSource(s) && c.compErr == nil {
			c.compErr = errorf("unknown campaign source %q", s)
		}
	}
	for _, d := range c.DomainOrder {
		if d != DomainFrom && d != DomainReturnPath && c.compErr == nil {
			c.compErr = errorf("unknown sending-domain source %q", d)
		}
	}
	for _, p := range c.VERP {
		vp, err := compileVERP(p)
		if err != nil {
			if c.compErr == nil {
				c.compErr = err
			}
			continue
		}
		c.verp = append(c.verp, vp)
	}
	if c.MessageID != "" {
		mp, err := compileMessageID(c.MessageID)
		if err != nil && c.compErr == nil {
			c.compErr = err
		}
		c.msgID = mp
	}
}

func knownSource(s Source) bool {
	for _, k := range Sources {
		if s == k {
			return true
		}
	}
	return false
}

// Campaign returns the campaign of a bounce and the source it came from, or "", "".
func (c *Config) Campaign(in Input) (campaign string, source Source) {
	c.Compile()
	for _, s := range c.Order {
		if v := clean(c.fromSource(s, &in)); v != "" {
			return v, s
		}
	}
	return "", ""
}

func (c *Config) fromSource(s Source, in *Input) string {
	switch s {
	case SourceVERP:
		return c.fromVERP(in)
	case SourceCampaignID:
		return header(in.Headers, "X-Campaign-ID")
	case SourceCampaign:
		return header(in.Headers, "X-Campaign")
	case SourceMailgunTag:
		return header(in.Headers, "X-Mailgun-Tag")
	case SourceSESConfig:
		return header(in.Headers, "X-SES-CONFIGURATION-SET")
	case SourceFeedbackID:
		return feedbackIDField(header(in.Headers, "Feedback-ID"), c.FeedbackIDField)
	case SourceListID:
		return listID(header(in.Headers, "List-ID"))
	case SourceMessageID:
		return c.msgID.match(in.MessageID)
	}
	return ""
}

// fromVERP tries every pattern on the bounce's envelope recipient, its To, then the original
// Return-Path.
func (c *Config) fromVERP(in *Input) string {
	for _, addr := range []string{in.EnvelopeTo, in.To, in.ReturnPath} {
		addr = bareAddress(addr)
		if addr == "" {
			continue
		}
		for _, p := range c.verp {
			if m, ok := p.match(addr, in.Recipient); ok && m.Campaign != "" {
				return m.Campaign
			}
		}
	}
	return ""
}

// MatchVERP matches addr against the configured VERP patterns and returns the campaign and the
// decoded recipient ("" when the pattern has no {recipient}).
func (c *Config) MatchVERP(addr string) (campaign, recipient string, ok bool) {
	c.Compile()
	addr = bareAddress(addr)
	for _, p := range c.verp {
		if m, ok := p.match(addr, ""); ok {
			return m.Campaign, m.Recipient, true
		}
	}
	return "", "", false
}

// SendingDomain returns the lower-case domain the message was sent from, or "".
func (c *Config) SendingDomain(in Input) string {
	order := c.DomainOrder
	if order == nil {
		order = DomainSources
	}
	for _, d := range order {
		src := in.From
		if d == DomainReturnPath {
			src = in.ReturnPath
		}
		if dom := domainOf(bareAddress(src)); dom != "" {
			return dom
		}
	}
	return ""
}

// header returns the trimmed value of the named header, whatever the case of the map's keys.
func header(h map[string]string, name string) string {
	if len(h) == 0 {
		return ""
	}
	if v, ok := h[name]; ok {
		return strings.TrimSpace(v)
	}
	if v, ok := h[textproto.CanonicalMIMEHeaderKey(name)]; ok {
		return strings.TrimSpace(v)
	}
	for k, v := range h {
		if strings.EqualFold(k, name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// feedbackIDField returns field n (from 1) of a Feedback-ID "a:b:c:SenderID". The last field is
// the sender's identifier, never a campaign, so it is not returned.
func feedbackIDField(v string, n int) string {
	if v == "" || n < 1 {
		return ""
	}
	parts := strings.Split(v, ":")
	if n >= len(parts) {
		return ""
	}
	return parts[n-1]
}

// listID returns the identifier of a List-Id header (RFC 2919 section 3): the text between angle
// brackets, or the whole value when there are none.
func listID(v string) string {
	if i := strings.LastIndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	return v
}

// clean trims a campaign and rejects values that cannot be one.
func clean(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > maxCampaign || strings.ContainsAny(v, "\r\n\x00") {
		return ""
	}
	return v
}

// bareAddress returns the address in "Name <addr>", "<addr>" or "addr", without angle brackets.
func bareAddress(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		s = s[i+1:]
		if j := strings.IndexByte(s, '>'); j >= 0 {
			s = s[:j]
		}
	}
	return strings.TrimSpace(s)
}

// domainOf returns the lower-case domain of an address, or "".
func domainOf(addr string) string {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return ""
	}
	d := strings.ToLower(strings.Trim(addr[i+1:], ". \t"))
	if d == "" || strings.ContainsAny(d, " \t<>()[]\\,;:\"@") {
		return ""
	}
	return d
}

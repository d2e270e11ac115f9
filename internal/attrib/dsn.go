package attrib

import "github.com/reboundhq/rebound/internal/dsn"

// FromReport builds the Input for one recipient of a decoded bounce.
func FromReport(r *dsn.Report, rc *dsn.Recipient) Input {
	in := Input{
		Headers:    r.Original.Headers,
		From:       r.Original.From,
		ReturnPath: r.Original.ReturnPath,
		MessageID:  r.Original.MessageID,
	}
	if rc != nil {
		in.Recipient = rc.Recipient
	}
	return in
}

// Attribute returns the campaign and the sending domain of one recipient of a bounce. It lets a
// *Config serve as scan's Attributor.
func (c *Config) Attribute(r *dsn.Report, rc *dsn.Recipient) (campaign, sendingDomain string) {
	in := FromReport(r, rc)
	campaign, _ = c.Campaign(in)
	return campaign, c.SendingDomain(in)
}

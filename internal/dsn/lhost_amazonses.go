package dsn

import (
	"bytes"
	"encoding/json"
	"strings"
)

// Amazon SES sends bounce, complaint and delivery notifications through SNS as JSON, by mail
// from no-reply@sns.amazonaws.com ("AWS Notification Message"): either the SES object itself or
// the SNS envelope with the SES object as a string in "Message". SES's own mailed bounces are
// RFC 3464 reports and need no special handling.

// sesNotification is the part of an SES notification that matters here.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Bounce           struct {
		BounceType        string `json:"bounceType"`
		ReportingMTA      string `json:"reportingMTA"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Action         string `json:"action"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint struct {
		ComplainedRecipients []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
	} `json:"complaint"`
	Delivery struct {
		Recipients   []string `json:"recipients"`
		SMTPResponse string   `json:"smtpResponse"`
		ReportingMTA string   `json:"reportingMTA"`
	} `json:"delivery"`
	Mail struct {
		CommonHeaders struct {
			From      []string `json:"from"`
			To        []string `json:"to"`
			Subject   string   `json:"subject"`
			MessageID string   `json:"messageId"`
		} `json:"commonHeaders"`
	} `json:"mail"`
}

// maxJSON bounds the JSON text read from a notification.
const maxJSON = 1 << 20

// decodeSES reads an SES notification into r and reports whether m was one.
func decodeSES(m *message, r *Report) bool {
	if !m.fromHas("@sns.amazonaws.com") && !m.subjectHas("AWS Notification Message") {
		return false
	}
	n, ok := sesJSON(m.bounceText())
	if !ok {
		return false
	}
	if n.NotificationType == "" {
		n.NotificationType = n.EventType
	}
	switch n.NotificationType {
	case "Bounce":
		r.Kind, r.Format = KindBounce, "amazonses"
		r.ReportingMTA = stripType(n.Bounce.ReportingMTA)
		for _, b := range n.Bounce.BouncedRecipients {
			rc := Recipient{Recipient: b.EmailAddress, Action: normAction(b.Action)}
			rc.DiagnosticType, rc.Diagnostic = splitDiagnostic(b.DiagnosticCode)
			setCodes(&rc, validStatus(b.Status))
			if rc.Action == "" && n.Bounce.BounceType == "Transient" {
				rc.Action = "delayed"
			}
			r.Recipients = append(r.Recipients, rc)
		}
	case "Complaint":
		r.Kind, r.Format = KindFeedback, "amazonses"
		r.FeedbackType = strings.ToLower(n.Complaint.ComplaintFeedbackType)
		if r.FeedbackType == "" {
			r.FeedbackType = "abuse"
		}
		for _, c := range n.Complaint.ComplainedRecipients {
			addFeedbackRecipient(r, c.EmailAddress)
		}
	case "Delivery":
		r.Kind, r.Format = KindBounce, "amazonses"
		r.ReportingMTA = n.Delivery.ReportingMTA
		for _, a := range n.Delivery.Recipients {
			rc := newRecipient(a, n.Delivery.SMTPResponse, "delivered")
			r.Recipients = append(r.Recipients, rc)
		}
	default:
		return false
	}
	h := n.Mail.CommonHeaders
	r.Original.Subject = h.Subject
	r.Original.MessageID = strings.Trim(h.MessageID, "<>")
	r.Original.From = strings.Join(h.From, ", ")
	r.Original.To = strings.Join(h.To, ", ")
	return len(r.Recipients) > 0
}

// sesJSON finds and parses the notification in text, unwrapping an SNS envelope.
func sesJSON(text []byte) (sesNotification, bool) {
	var n sesNotification
	i := bytes.IndexByte(text, '{')
	j := bytes.LastIndexByte(text, '}')
	if i < 0 || j <= i || j-i > maxJSON {
		return n, false
	}
	// SNS mail folds long lines as "!\n " (RFC 5322 line length): undo it.
	js := bytes.ReplaceAll(text[i:j+1], []byte("!\n "), nil)
	var env struct {
		Type    string `json:"Type"`
		Message string `json:"Message"`
	}
	if json.Unmarshal(js, &env) == nil && env.Message != "" {
		js = []byte(env.Message)
	}
	if err := json.Unmarshal(js, &n); err != nil {
		return n, false
	}
	return n, n.NotificationType != "" || n.EventType != ""
}

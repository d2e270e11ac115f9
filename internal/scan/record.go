package scan

import (
	"encoding/json"
	"time"
)

// Record is one decoded, classified recipient: a line of `rebound parse --format jsonl` and an
// event in the store.
type Record struct {
	File          string    `json:"file"`
	Position      string    `json:"position"`
	Key           string    `json:"-"`
	MessageID     string    `json:"message_id"`
	Recipient     string    `json:"recipient"`
	Action        string    `json:"action"`
	Status        string    `json:"status"`
	ReplyCode     string    `json:"reply_code"`
	Diagnostic    string    `json:"diagnostic"`
	RemoteMTA     string    `json:"remote_mta"`
	ReportingMTA  string    `json:"reporting_mta"`
	Reason        string    `json:"reason"`
	Type          string    `json:"type"`
	Hard          bool      `json:"hard"`
	Provider      string    `json:"provider"`
	Rule          string    `json:"rule"`
	Confidence    float64   `json:"confidence"`
	BouncedAt     time.Time `json:"bounced_at"`
	Sender        string    `json:"sender"`
	Subject       string    `json:"subject"`
	Campaign      string    `json:"campaign"`
	SendingDomain string    `json:"sending_domain"`
	FeedbackType  string    `json:"feedback_type"`
	Format        string    `json:"format"`
}

// MarshalJSON writes every field, with null for unknown (empty) strings and times, so that
// consumers see a fixed set of keys.
func (r Record) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		File          string  `json:"file"`
		Position      string  `json:"position"`
		MessageID     *string `json:"message_id"`
		Recipient     string  `json:"recipient"`
		Action        *string `json:"action"`
		Status        *string `json:"status"`
		ReplyCode     *string `json:"reply_code"`
		Diagnostic    *string `json:"diagnostic"`
		RemoteMTA     *string `json:"remote_mta"`
		ReportingMTA  *string `json:"reporting_mta"`
		Reason        string  `json:"reason"`
		Type          string  `json:"type"`
		Hard          bool    `json:"hard"`
		Provider      string  `json:"provider"`
		Rule          string  `json:"rule"`
		Confidence    float64 `json:"confidence"`
		BouncedAt     *string `json:"bounced_at"`
		Sender        *string `json:"sender"`
		Subject       *string `json:"subject"`
		Campaign      *string `json:"campaign"`
		SendingDomain *string `json:"sending_domain"`
		FeedbackType  *string `json:"feedback_type"`
		Format        string  `json:"format"`
	}{
		File: r.File, Position: r.Position, MessageID: null(r.MessageID), Recipient: r.Recipient,
		Action: null(r.Action), Status: null(r.Status), ReplyCode: null(r.ReplyCode),
		Diagnostic: null(r.Diagnostic), RemoteMTA: null(r.RemoteMTA), ReportingMTA: null(r.ReportingMTA),
		Reason: r.Reason, Type: r.Type, Hard: r.Hard, Provider: r.Provider, Rule: r.Rule,
		Confidence: r.Confidence, BouncedAt: nullTime(r.BouncedAt), Sender: null(r.Sender),
		Subject: null(r.Subject), Campaign: null(r.Campaign), SendingDomain: null(r.SendingDomain),
		FeedbackType: null(r.FeedbackType), Format: r.Format,
	})
}

func null(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nullTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}

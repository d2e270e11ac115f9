package main

import (
	"github.com/reboundhq/rebound/internal/scan"
	"github.com/reboundhq/rebound/internal/store"
)

// toStoreMessage turns a processed message into its database rows.
func toStoreMessage(it *scan.Item) store.Message {
	m := store.Message{
		Key:      it.Msg.Key,
		Position: it.Msg.Position,
		Path:     it.Msg.Path,
		Outcome:  string(it.Outcome),

		ContentKey: it.ContentKey,
	}
	if it.Err != nil {
		m.Error = it.Err.Error()
	}
	if r := it.Report; r != nil {
		m.Format, m.MessageID, m.Subject, m.From, m.Date = r.Format, r.MessageID, r.Subject, r.From, r.Date
		if m.Error == "" && len(it.Records) == 0 {
			m.Error = r.NotBounceReason
		}
	}
	m.Events = make([]store.Event, len(it.Records))
	for i, r := range it.Records {
		m.Events[i] = store.Event{
			Recipient: r.Recipient, Action: r.Action, Status: r.Status, ReplyCode: r.ReplyCode,
			Diagnostic: r.Diagnostic, RemoteMTA: r.RemoteMTA, ReportingMTA: r.ReportingMTA,
			Reason: r.Reason, Type: r.Type, Hard: r.Hard, Provider: r.Provider, Rule: r.Rule,
			Confidence: r.Confidence, BouncedAt: r.BouncedAt, Sender: r.Sender, Subject: r.Subject,
			OriginalMessageID: r.MessageID, Campaign: r.Campaign, SendingDomain: r.SendingDomain,
			FeedbackType: r.FeedbackType,
		}
	}
	return m
}

package store

import (
	"context"
	"database/sql"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file reads the events of one address, over every stored spelling of it.

// EventsOf returns the events of an address (every stored spelling of it), oldest first with
// those of unknown time before the others, with ID, Key, Idx and Position set. Only
// evaluated events are mapped to their address: call EvaluatePending first.
func (s *Store) EventsOf(ctx context.Context, addr string) ([]bounce.Event, error) {
	return s.queryEvents(ctx, "policy_events_of", addr)
}

// scanEvent reads a row of events_for's columns.
func scanEvent(rows *sql.Rows) (bounce.Event, error) {
	var e bounce.Event
	var hard int
	var typ, reason string
	var bounced sql.NullInt64
	var action, status, reply, diag, remote, reporting, provider, rule, sender, subject,
		origID, campaign, domain, feedback sql.NullString
	if err := rows.Scan(&e.Key, &e.Idx, &e.Position, &e.Recipient, &action, &status,
		&reply, &diag, &remote, &reporting, &reason, &typ, &hard, &provider, &rule,
		&e.Confidence, &bounced, &sender, &subject, &origID, &campaign, &domain,
		&feedback); err != nil {
		return e, err
	}
	e.ID = bounce.EventID(e.Key, e.Idx)
	e.Type, e.Reason = bounce.Type(typ), bounce.Reason(reason)
	e.Action, e.Status, e.ReplyCode, e.Diagnostic = action.String, status.String, reply.String, diag.String
	e.RemoteMTA, e.ReportingMTA, e.Provider, e.Rule = remote.String, reporting.String, provider.String, rule.String
	e.Sender, e.Subject, e.OriginalMessageID = sender.String, subject.String, origID.String
	e.Campaign, e.SendingDomain, e.FeedbackType = campaign.String, domain.String, feedback.String
	e.Hard = hard != 0
	e.BouncedAt = fromUnix(bounced)
	return e, nil
}

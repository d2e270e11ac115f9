package store

import (
	"database/sql"

	"github.com/reboundhq/rebound/internal/bounce"
)

// This file reads stored events (Tx.Events, Tx.RecipientEvents).

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

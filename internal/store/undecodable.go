package store

import (
	"context"
	"database/sql"
	"time"
)

// UndecodableMessage is a message recorded as undecodable: no bounce could be read from it.
type UndecodableMessage struct {
	Position  string    // where it is: "path" or "path:N" (the Nth message of an mbox)
	Error     string    // why it could not be decoded
	Date      time.Time // its Date header; zero when it has none that could be read
	ScannedAt time.Time // when rebound read it
	Subject   string
	From      string
}

// UndecodableMessages lists the messages recorded as undecodable, oldest scan first.
func (s *Store) UndecodableMessages(ctx context.Context) ([]UndecodableMessage, error) {
	rows, err := s.db.QueryContext(ctx, query("undecodable_list"))
	if err != nil {
		return nil, classify(s.path, "list undecodable messages", err)
	}
	defer rows.Close()
	var out []UndecodableMessage
	for rows.Next() {
		var m UndecodableMessage
		var date sql.NullInt64
		var scanned int64
		if err := rows.Scan(&m.Position, &m.Error, &date, &scanned, &m.Subject, &m.From); err != nil {
			return nil, classify(s.path, "list undecodable messages", err)
		}
		m.Date, m.ScannedAt = fromUnix(date), time.Unix(scanned, 0).UTC()
		out = append(out, m)
	}
	return out, classify(s.path, "list undecodable messages", rows.Err())
}

package store

import (
	"database/sql"
	"time"
)

// fromUnix reads a stored time: unix seconds as UTC, NULL as the zero time.
func fromUnix(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(v.Int64, 0).UTC()
}

package pipeline

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/reboundhq/rebound/internal/bounce"
	"github.com/reboundhq/rebound/internal/pseudo"
	"github.com/reboundhq/rebound/internal/store"
)

// metaPseudoSecret is the meta key of the database's pseudonymisation secret (docs/privacy.md).
const metaPseudoSecret = "pseudonym_secret"

// ErrDamagedSecret is returned when the stored pseudonymisation secret cannot be read.
var ErrDamagedSecret = errors.New("the pseudonymisation secret is damaged")

// keyer returns the pseudonyms of the database: its secret, created on first use when create
// (a dry run and show never create one), and false when it has none.
func keyer(ctx context.Context, st *store.Store, create bool) (*pseudo.Keyer, bool, error) {
	secret, ok, err := st.Meta(ctx, metaPseudoSecret)
	if err != nil {
		return nil, false, err
	}
	if !ok {
		if !create {
			return nil, false, nil
		}
		fresh, err := pseudo.NewSecret()
		if err != nil {
			return nil, false, err
		}
		if secret, err = st.EnsureMeta(ctx, metaPseudoSecret, fresh); err != nil {
			return nil, false, err
		}
	}
	k, err := pseudo.NewKeyer(secret)
	if err != nil {
		return nil, false, errors.Join(ErrDamagedSecret, err)
	}
	return k, true, nil
}

// Pseudonymise replaces, as of the policy's time, every address whose events all bounced more
// than age before it and that is kept in clear for no reason (suppressed, under review, paused,
// exported) by its pseudonym (docs/privacy.md), after evaluating what is pending; with dry it
// only counts (and creates no secret). The caller checks age against the policy's horizon.
func Pseudonymise(ctx context.Context, st *store.Store, p Policy, age time.Duration, dry bool) (store.PseudonymSummary, error) {
	if _, err := EvaluatePending(ctx, st, p); err != nil {
		return store.PseudonymSummary{}, err
	}
	k, ok, err := keyer(ctx, st, !dry)
	if err != nil {
		return store.PseudonymSummary{}, err
	}
	if !ok { // a dry run on a database without a secret: any secret gives the same counts
		fresh, err := pseudo.NewSecret()
		if err != nil {
			return store.PseudonymSummary{}, err
		}
		if k, err = pseudo.NewKeyer(fresh); err != nil {
			return store.PseudonymSummary{}, err
		}
	}
	addrs, malformed, err := st.PseudonymCandidates(ctx, p.Now.Add(-age), p.Now)
	if err != nil {
		return store.PseudonymSummary{}, err
	}
	ps := make([]store.Pseudonym, 0, len(addrs)+len(malformed))
	for _, a := range addrs {
		ps = append(ps, store.Pseudonym{Address: a, Pseudonym: k.Of(a)})
	}
	for _, r := range malformed {
		ps = append(ps, store.Pseudonym{Address: r, Malformed: true, Pseudonym: k.Of(r)})
	}
	return st.Pseudonymise(ctx, ps, store.Redactors{Of: pseudo.NewRedactor, All: pseudo.NewSetRedactor(slices.Concat(addrs, malformed))}, dry)
}

// redactEvents removes each event's recipient (address and local part) from its diagnostic:
// IngestOptions.RedactDiagnostics, after classification and before the events are stored.
func redactEvents(evs []bounce.Event) {
	for i := range evs {
		evs[i].Diagnostic = pseudo.Redact(evs[i].Diagnostic, evs[i].Recipient)
	}
}

// PseudonymOf returns the pseudonym of addr when the database has a secret and something is
// stored under that pseudonym (show ADDRESS of a pseudonymised address).
func PseudonymOf(ctx context.Context, st *store.Store, addr string) (string, bool, error) {
	if pseudo.Is(addr) {
		return "", false, nil
	}
	k, ok, err := keyer(ctx, st, false)
	if err != nil || !ok {
		return "", false, err
	}
	p := k.Of(addr)
	found := false
	err = st.Read(ctx, "read state", func(tx *store.Tx) error {
		_, ok, err := tx.State(p)
		if err != nil || ok {
			found = ok
			return err
		}
		for _, err := range tx.Events(p) { // one is enough
			found = err == nil
			return err
		}
		return nil
	})
	return p, found, err
}

// Package pipeline holds the flows of rebound between the command line and the packages that
// do the work: Ingest (read a mailbox, decode, classify, store, with a pool of decoders and
// one writer), Evaluate (apply the suppression policy to the stored events), Export, Unsuppress,
// Prune and the import of sent volumes. Each cmd/rebound command parses its flags, calls one
// of these and renders the result.
//
// The flow is one way: internal/mailbox -> internal/dsn -> internal/classify ->
// internal/store and internal/policy -> pipeline -> internal/report and internal/export ->
// cmd/rebound (layering_test.go checks it).
package pipeline

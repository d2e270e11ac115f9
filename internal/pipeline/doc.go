// Package pipeline holds the flows of rebound between the command line and the packages that
// do the work: Ingest (read a mailbox, decode, classify, store, with a pool of decoders and
// one writer), Evaluate (apply the suppression policy to the stored events), Unsuppress,
// Prune and the recording of sent volumes (AddSent, ImportSent). Each cmd/rebound command
// parses its flags, calls one of these and renders the result. The export flow is
// internal/export's Deliver: it needs that package's rows, fingerprints and writers, which come
// after the pipeline in the flow, so it sits beside them rather than here behind an interface
// that only the command would implement.
//
// The flow is one way: internal/mailbox -> internal/dsn -> internal/classify ->
// internal/store and internal/policy -> pipeline -> internal/report and internal/export ->
// cmd/rebound (layering_test.go checks it).
package pipeline

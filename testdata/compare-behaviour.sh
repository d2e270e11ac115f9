#!/bin/sh
# compare-behaviour.sh [BASE]: run the same commands with a build of BASE (a git revision; default
# the merge base of HEAD and main) and with a build of the working tree, and fail on the first
# difference in what they print (stdout, stderr, exit status, files written).
#
# It is the check of a change that must not change behaviour (a refactoring): parse on the
# shared corpora (../shared/corpus beside the checkout, or $SHARED; skipped when missing), make
# demo, and on databases scanned from the demo maildir and the corpora with a fixed clock
# (REBOUND_NOW): scan, evaluate, export in every format and filter, stats with every --by and
# every --format, recommend in every format, show (text and JSON) of many addresses, sent,
# unsuppress, prune and explain. Nothing from the corpora is written into the checkout: the
# outputs live in a temporary folder, removed at the end (KEEP=1 keeps it).
#
#   testdata/compare-behaviour.sh            # against the merge base with main
#   testdata/compare-behaviour.sh ff26ec9    # against a given revision
set -eu

root=$(git rev-parse --show-toplevel)
base=${1:-$(git -C "$root" merge-base HEAD main)}
shared=${SHARED:-$root/../shared/corpus}
work=$(mktemp -d "${TMPDIR:-/tmp}/rebound-compare.XXXXXX")
if [ "${KEEP:-}" = 1 ]; then
	echo "outputs kept in $work" >&2
else
	trap 'rm -rf "$work"' EXIT
fi

# No command may touch the user's own database.
unset REBOUND_DB
XDG_DATA_HOME=$work/xdg
export XDG_DATA_HOME

mkdir -p "$work/base"
git -C "$root" archive "$base" | tar -x -C "$work/base"
(cd "$work/base" && go build -o "$work/old" ./cmd/rebound)
(cd "$root" && go build -o "$work/new" ./cmd/rebound)

# run NAME ARGS...: run the build under test ($bin) in $db, keeping what it prints under NAME.
run() {
	f=$out/$1
	shift
	set +e
	(cd "$db" && "$bin" "$@") >"$f.out" 2>"$f.err"
	echo $? >"$f.code"
	set -e
	# Times that differ from run to run.
	sed -i -e 's/^elapsed [0-9.]*s, [0-9]* messages\/s$/elapsed (time)/' \
		-e 's/"elapsed_seconds":[0-9.e+-]*,"messages_per_second":[0-9.e+-]*/"elapsed_seconds":0,"messages_per_second":0/' \
		"$f.out" "$f.err"
}

# addresses NAME: the addresses to show: every one on a list, and every fifth recipient.
addresses() {
	{
		run "$1-list" --db x.db export --state suppressed,paused,review --format jsonl
		sed -n 's/^{"email":"\([^"]*\)".*/\1/p' "$out/$1-list.out"
		run "$1-rcpts" parse --format jsonl --all $2
		sed -n 's/.*"recipient":"\([^"]*\)".*/\1/p' "$out/$1-rcpts.out" | sort -u | awk 'NR % 5 == 1'
	} | sort -u
}

# database NAME NOW PATHS...: scan PATHS into a new database at time NOW, and run every command
# that reads or changes it.
database() {
	name=$1
	REBOUND_NOW=$2
	export REBOUND_NOW
	shift 2
	rm -f "$db"/*.db* "$db"/*.csv
	rm -rf "$db/tables"
	run "$name-scan" --db x.db scan --json "$@"
	run "$name-rescan" --db x.db scan "$@"
	run "$name-evaluate" --db x.db evaluate
	for fmt in csv jsonl mailchimp hubspot sendgrid mailgun ses; do
		run "$name-export-$fmt" --db x.db export --format "$fmt"
	done
	run "$name-export-paused" --db x.db export --include-paused
	run "$name-export-paused-jsonl" --db x.db export --include-paused --format jsonl
	run "$name-export-review" --db x.db export --state review
	run "$name-export-all" --db x.db export --state suppressed,paused,review --format jsonl
	run "$name-export-type" --db x.db export --type hard,complaint --state suppressed,paused
	run "$name-export-provider" --db x.db export --provider gmail,other
	run "$name-export-since" --db x.db export --since 400d --spreadsheet-safe
	run "$name-export-bad" --db x.db export --format ses --include-paused
	run "$name-export-new1" --db x.db export --new --out x.csv
	cp "$db/x.csv" "$out/$name-export-new1.csv" 2>/dev/null || true
	run "$name-export-file" --db x.db export --out y.csv --mode 0600
	cp "$db/y.csv" "$out/$name-export-file.csv" 2>/dev/null || true
	run "$name-export-new2" --db x.db export --new --out x.csv
	period="--from 1990-01-01 --to 2030-12-31"
	for by in "" provider reason type day week campaign domain; do
		for fmt in table json csv markdown; do
			run "$name-stats-$by-$fmt" --db x.db stats $period --by "$by" --format "$fmt"
		done
	done
	run "$name-stats-default" --db x.db stats
	run "$name-stats-wide" --db x.db stats $period --wide
	run "$name-stats-provider" --db x.db stats $period --provider gmail --format json
	run "$name-stats-nodetail" --db x.db stats --since 4w
	run "$name-stats-outdir" --db x.db stats $period --format csv --out-dir tables
	cat "$db"/tables/*.csv >"$out/$name-stats-outdir.csv" 2>/dev/null || true
	for fmt in text table markdown csv json; do
		run "$name-recommend-$fmt" --db x.db recommend $period --format "$fmt"
	done
	run "$name-recommend-default" --db x.db recommend
	i=0
	for a in $(addresses "$name" "$*"); do
		i=$((i + 1))
		run "$name-show-$i" --db x.db show "$a"
		run "$name-show-$i-json" --db x.db show --json "$a"
	done
	run "$name-show-malformed" --db x.db show --malformed
	run "$name-show-malformed-json" --db x.db show --malformed --json
	run "$name-show-unknown" --db x.db show nobody@example.invalid
	run "$name-sent-add" --db x.db sent add --campaign spring --count 1000
	printf 'campaign,count,provider,date\nweekly,5000,gmail,2026-11-03\nweekly,300,,\n' >"$db/sent.csv"
	run "$name-sent-import" --db x.db sent import sent.csv
	for fmt in table csv json; do
		run "$name-sent-list-$fmt" --db x.db sent list --format "$fmt"
	done
	run "$name-stats-rates" --db x.db stats $period
	first=$(sed -n 's/^{"email":"\([^"]*\)".*/\1/p' "$out/$name-export-jsonl.out" | head -1)
	if [ -n "$first" ]; then
		run "$name-unsuppress" --db x.db unsuppress "$first" --reason "test" --by tester
		run "$name-unsuppress-show" --db x.db show --json "$first"
		run "$name-unsuppress-export" --db x.db export --new --out x.csv
	fi
	run "$name-prune-short" --db x.db prune --older-than 1d
	run "$name-prune-dry" --db x.db prune --older-than 400d --dry-run
	run "$name-prune" --db x.db prune --older-than 400d
	run "$name-prune-export" --db x.db export --state suppressed,paused,review --format jsonl
	run "$name-prune-evaluate" --db x.db evaluate
	run "$name-prune-stats" --db x.db stats $period --format json
	unset REBOUND_NOW
}

# record NAME SRC: run every command with the build NAME of the tree SRC.
record() {
	bin=$work/$1
	out=$work/out-$1
	db=$work/db
	mkdir -p "$out" "$db"
	make -s --no-print-directory -C "$2" demo BIN="$work/$1-demo" >"$out/demo.out" 2>"$out/demo.err" ||
		echo "make demo failed: $?" >>"$out/demo.err"
	sed -i 's/^elapsed [0-9.]*s, [0-9]* messages\/s$/elapsed (time)/' "$out/demo.out" "$out/demo.err"
	demo=$root/testdata/demo/maildir
	database demo 2026-11-30T00:00:00Z "$demo"
	for eml in "$root"/testdata/fixtures/*.eml; do
		run "explain-$(basename "$eml")" explain "$eml"
		run "explain-$(basename "$eml")-json" explain --json "$eml"
	done
	run explain-diagnostic explain --diagnostic "550 5.1.1 <bob@example.com>: user unknown"
	run explain-missing explain /nonexistent
	if [ ! -d "$shared" ]; then
		echo "no shared corpora at $shared: parse and the corpus databases skipped" >&2
		return
	fi
	sis="$shared/sisimai/maildir/bsd $shared/sisimai/maildir/not"
	for fmt in jsonl table; do
		run "parse-sisimai-$fmt" parse --format $fmt $sis
		run "parse-sisimai-all-$fmt" parse --all --format $fmt $sis
		run "parse-foreign-$fmt" parse --format $fmt "$shared"/foreign/messages/*
		run "parse-foreign-all-$fmt" parse --all --format $fmt "$shared"/foreign/messages/*
	done
	# shellcheck disable=SC2086
	database sisimai 2024-06-30T00:00:00Z $sis
	database foreign 2024-06-30T00:00:00Z "$shared"/foreign/messages/*
}

record old "$work/base"
record new "$root"
n=$(find "$work/out-old" -type f | wc -l)
if diff -r "$work/out-old" "$work/out-new" >"$work/diff"; then
	echo "same behaviour as $base: $n outputs identical"
else
	head -200 "$work/diff"
	echo "behaviour differs from $base: see the differences above" >&2
	exit 1
fi

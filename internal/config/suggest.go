package config

import (
	"slices"
	"strings"
	"unicode"
)

// Suggestions for a mistyped name (a reason, a provider id, a setting's value, a campaign):
// "did you mean ...?" in the errors of configuration files, command lines and reports.

// DidYouMean returns the one of known that name probably meant: the same once case, spaces,
// underscores and dots are ignored, else the closest within an edit distance of a quarter of
// its length (at least 1, at most 3); "" when none is close, or two are equally close.
func DidYouMean(name string, known []string) string {
	fold := func(s string) string {
		return strings.Map(func(r rune) rune {
			switch r {
			case ' ', '_', '.':
				return '-'
			}
			return unicode.ToLower(r)
		}, s)
	}
	f := fold(name)
	best, bestD, ties := "", max(1, min(3, len([]rune(name))/4))+2, 0
	for _, k := range slices.Sorted(slices.Values(known)) {
		if k == name {
			continue
		}
		d := 0
		if fold(k) != f {
			d = 1 + EditDistance(f, fold(k), bestD)
		}
		switch {
		case d < bestD:
			best, bestD, ties = k, d, 0
		case d == bestD:
			ties++
		}
	}
	if ties > 0 {
		return ""
	}
	return best
}

// EditDistance returns the optimal string alignment distance between a and b (edits:
// insertion, deletion, substitution, transposition of adjacent bytes), or max+1 as soon as the
// distance is known to exceed max.
func EditDistance(a, b string, max int) int {
	if d := len(a) - len(b); d > max || -d > max {
		return max + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > max {
			return max + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return min(prev[len(b)], max+1)
}

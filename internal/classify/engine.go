package classify

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/reboundhq/rebound/internal/config"
	"github.com/reboundhq/rebound/rules"
)

// Classifier holds compiled rules and the provider table. It is safe for concurrent use.
type Classifier struct {
	rules      []*rule          // by stage, then in file order
	stageStart [nStages + 1]int // rules[stageStart[s]:stageStart[s+1]] belong to stage s
	phrases    *matcher         // every phrase, not-phrase and regex literal of every rule
	phraseText []string         // phrase id -> text
	byPhrase   [][]int32        // phrase id -> rules (indices) that become candidates when it occurs
	providers  *providerTable
	scratch    sync.Pool
}

// source is one rules directory: the embedded defaults or a user's --rules DIR.
type source struct {
	fsys fs.FS
	name string // prefix for file names in errors
	user bool
}

// Default returns a Classifier with the rules embedded in the binary (package rules).
func Default() (*Classifier, error) { return Load() }

// Load returns a Classifier with the embedded rules plus the *.rules and *.providers files
// at the top of each of user. User rules are tried before every default rule, in the order
// given; user providers take precedence over default ones.
func Load(user ...fs.FS) (*Classifier, error) {
	srcs := []source{{fsys: rules.FS, name: "rules"}}
	for i, u := range user {
		name := "user"
		if len(user) > 1 {
			name = fmt.Sprintf("user%d", i+1)
		}
		srcs = append(srcs, source{fsys: u, name: name, user: true})
	}
	c, errs, _ := build(srcs)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// LoadDir returns a Classifier with the embedded rules plus the user rules in dir
// (rebound --rules DIR). Errors name the files under dir.
func LoadDir(dir string) (*Classifier, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	c, errs, _ := build([]source{{fsys: rules.FS, name: "rules"}, {fsys: os.DirFS(dir), name: dir, user: true}})
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

// checkDir says, in plain words, why dir cannot be a rules directory.
func checkDir(dir string) error {
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: no such directory", dir)
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s: not a directory", dir)
	}
	return nil
}

// Check validates the rules and providers files in dir as user rules on top of the defaults
// and returns every problem, and the notes on old syntax that still loads, each formatted
// "file:line: message" (rebound rules check DIR).
func Check(dir string) (problems []error, notes []*config.Error) {
	if err := checkDir(dir); err != nil {
		return []error{err}, nil
	}
	_, errs, notes := build([]source{{fsys: rules.FS, name: "rules"}, {fsys: os.DirFS(dir), name: dir, user: true}})
	return errs, notes
}

// ProviderIDs lists the provider ids of the built-in provider tables and of those in dir (when
// not ""), and "other", sorted: the names a policy's [provider NAME] sections may use. It reads
// only the *.providers files; their problems are left to Load.
func ProviderIDs(dir string) ([]string, error) {
	srcs := []source{{fsys: rules.FS, name: "rules"}}
	if dir != "" {
		srcs = append(srcs, source{fsys: os.DirFS(dir), name: dir, user: true})
	}
	ids := []string{otherProvider}
	for _, src := range srcs {
		_, provFiles, err := listFiles(src.fsys)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", src.name, err)
		}
		for _, f := range provFiles {
			data, err := fs.ReadFile(src.fsys, f)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", displayName(src, f), err)
			}
			var errs []error
			var notes []*config.Error
			for _, p := range parseProviders(displayName(src, f), data, &errs, &notes) {
				ids = append(ids, p.id)
			}
		}
	}
	slices.Sort(ids)
	return slices.Compact(ids), nil
}

// build parses and compiles every source; it returns all errors found rather than the first.
func build(srcs []source) (*Classifier, []error, []*config.Error) {
	var errs []error
	var notes []*config.Error
	var all []*rule
	var provGroups [][]*provider
	for _, src := range srcs {
		ruleFiles, provFiles, err := listFiles(src.fsys)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", src.name, err))
			continue
		}
		if src.user && len(ruleFiles)+len(provFiles) == 0 {
			errs = append(errs, fmt.Errorf("%s: no *.rules or *.providers files", src.name))
		}
		var provs []*provider
		for _, f := range provFiles {
			data, err := fs.ReadFile(src.fsys, f)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", displayName(src, f), err))
				continue
			}
			provs = append(provs, parseProviders(displayName(src, f), data, &errs, &notes)...)
		}
		provGroups = append(provGroups, provs)
		for _, f := range ruleFiles {
			data, err := fs.ReadFile(src.fsys, f)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", displayName(src, f), err))
				continue
			}
			all = append(all, parseRules(displayName(src, f), data, src.user, &errs, &notes)...)
		}
	}
	// user providers first: they win
	for i, j := 0, len(provGroups)-1; i < j; i, j = i+1, j-1 {
		provGroups[i], provGroups[j] = provGroups[j], provGroups[i]
	}
	c := &Classifier{providers: newProviderTable(provGroups, &errs)}
	checkRuleIDs(all, c.providers, &errs)
	resolveLike(all, &errs)
	c.compile(all)
	config.SortErrors(errs)
	sort.SliceStable(notes, func(i, j int) bool {
		return notes[i].File < notes[j].File || notes[i].File == notes[j].File && notes[i].Line < notes[j].Line
	})
	return c, errs, notes
}

func displayName(src source, f string) string {
	if src.user {
		return filepath.Join(src.name, filepath.FromSlash(f))
	}
	return path.Join(src.name, f)
}

// listFiles returns the *.rules and *.providers files at the top of fsys, sorted by name.
func listFiles(fsys fs.FS) (ruleFiles, provFiles []string, err error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, nil, err
	}
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		switch path.Ext(e.Name()) {
		case ".rules":
			ruleFiles = append(ruleFiles, e.Name())
		case ".providers":
			provFiles = append(provFiles, e.Name())
		}
	}
	return ruleFiles, provFiles, nil
}

// checkRuleIDs reports duplicate ids (a user rule may reuse a default id: it replaces it)
// and providers that no table defines.
func checkRuleIDs(all []*rule, pt *providerTable, errs *[]error) {
	type key struct {
		user bool
		id   string
	}
	seen := map[key]*rule{}
	for _, r := range all {
		k := key{r.user, r.id}
		if prev, ok := seen[k]; ok {
			*errs = append(*errs, config.Errorf(r.file, r.line, "duplicate rule id [%s] (first at %s)", r.id, prev.pos()))
		} else {
			seen[k] = r
		}
		for _, p := range r.providers {
			if !pt.ids[p] && p != otherProvider {
				*errs = append(*errs, config.Errorf(r.file, r.line, "[%s]: unknown provider %q", r.id, p))
			}
		}
	}
}

// resolveLike gives rules with a like condition the text conditions of the rules they name.
// A user rule that replaces a default id is the one referred to.
func resolveLike(all []*rule, errs *[]error) {
	byID := map[string]*rule{}
	for _, r := range all {
		if prev, ok := byID[r.id]; !ok || r.user && !prev.user {
			byID[r.id] = r
		}
	}
	for _, r := range all {
		for _, id := range r.like {
			src, ok := byID[id]
			switch {
			case !ok:
				*errs = append(*errs, config.Errorf(r.file, r.likeLine, "[%s]: like names unknown rule [%s]", r.id, id))
			case len(src.like) > 0:
				*errs = append(*errs, config.Errorf(r.file, r.likeLine, "[%s]: like names [%s], which itself uses like", r.id, id))
			case len(src.phrases)+len(src.regexes) == 0:
				*errs = append(*errs, config.Errorf(r.file, r.likeLine, "[%s]: like names [%s], which has no phrase or regex", r.id, id))
			default:
				r.phrases = append(r.phrases, src.phrases...)
				r.notPhrases = append(r.notPhrases, src.notPhrases...)
				r.regexes = append(r.regexes, src.regexes...)
				r.regexLits = append(r.regexLits, src.regexLits...)
			}
		}
	}
}

// compile orders the rules by stage and builds the phrase automaton. A default rule whose id
// a user rule reuses is dropped.
func (c *Classifier) compile(all []*rule) {
	userIDs := map[string]bool{}
	for _, r := range all {
		if r.user {
			userIDs[r.id] = true
		}
	}
	kept := all[:0:0]
	for _, r := range all {
		if !r.user && userIDs[r.id] {
			continue
		}
		kept = append(kept, r)
	}
	// by stage; within a stage the user's rules (of --rules DIR) first, then in file order
	sort.SliceStable(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		return a.stage < b.stage || a.stage == b.stage && a.user && !b.user
	})
	c.rules = kept
	for s, i := stage(0), 0; s <= nStages; s++ {
		for i < len(kept) && kept[i].stage < s {
			i++
		}
		c.stageStart[s] = i
	}

	ids := map[string]int32{}
	intern := func(p string) int32 {
		if id, ok := ids[p]; ok {
			return id
		}
		id := int32(len(c.phraseText))
		ids[p] = id
		c.phraseText = append(c.phraseText, p)
		c.byPhrase = append(c.byPhrase, nil)
		return id
	}
	for i, r := range kept {
		for _, p := range r.phrases {
			id := intern(p)
			r.phraseIDs = append(r.phraseIDs, id)
			c.byPhrase[id] = appendOnce(c.byPhrase[id], int32(i))
		}
		for _, p := range r.notPhrases {
			r.notIDs = append(r.notIDs, intern(p))
		}
		r.regexIDs = make([][][]int32, len(r.regexes))
		for k, sets := range r.regexLits {
			if len(sets) == 0 {
				r.anyText = true
				continue
			}
			for n, lits := range sets {
				ids := make([]int32, len(lits))
				for j, p := range lits {
					ids[j] = intern(p)
					if n == 0 { // the first set makes the rule a candidate
						c.byPhrase[ids[j]] = appendOnce(c.byPhrase[ids[j]], int32(i))
					}
				}
				r.regexIDs[k] = append(r.regexIDs[k], ids)
			}
		}
	}
	c.phrases = newMatcher(c.phraseText)
	nPhrase, nRule := (len(c.phraseText)+63)/64, (len(kept)+63)/64
	c.scratch.New = func() any {
		return &scratch{
			text:  make([]byte, 0, 512),
			hits:  make([]uint64, nPhrase),
			cands: make([]uint64, nRule),
			found: make([]int32, 0, 16),
		}
	}
}

func appendOnce(s []int32, v int32) []int32 {
	if n := len(s); n > 0 && s[n-1] == v {
		return s
	}
	return append(s, v)
}

// scratch is the per-call working memory, pooled.
type scratch struct {
	text  []byte   // normalised diagnostic
	hits  []uint64 // phrase id bits
	cands []uint64 // rule index bits: rules whose text condition may hold
	found []int32  // phrase ids that occurred
}

func (s *scratch) reset() {
	for _, id := range s.found {
		s.hits[id>>6] = 0
	}
	for i := range s.cands {
		s.cands[i] = 0
	}
	s.found = s.found[:0]
	s.text = s.text[:0]
}

// RuleCount returns the number of rules in use (after user rules replaced defaults).
func (c *Classifier) RuleCount() int { return len(c.rules) }

// describe names a rule for evidence.
func (r *rule) describe() string {
	return "rule " + r.id + " (" + r.stage.String() + " stage, " + r.pos() + ")"
}

// join is a small helper for evidence lines.
func join(vals []string) string { return strings.Join(vals, " | ") }

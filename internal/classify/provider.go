package classify

import (
	"strings"

	"github.com/reboundhq/rebound/internal/config"
)

// otherProvider is the provider of a recipient no table entry recognises.
const otherProvider = "other"

// providerTable maps recipient domains and MTA host names to provider ids.
type providerTable struct {
	byDomain   map[string]string // exact domain -> id
	byLabel    map[string]string // "hotmail" for the pattern "hotmail.*" -> id
	bySuffix   map[string]string // "outlook.com" for the pattern "*.outlook.com" -> id
	domainGlob []providerGlob    // other patterns, in file order
	mtaSuffix  map[string]string // MTA patterns "*.google.com"
	mtaExact   map[string]string
	mtaGlob    []providerGlob
	ids        map[string]bool
}

type providerGlob struct{ pattern, id string }

// newProviderTable builds the table from provider blocks, earlier blocks winning (user files
// are passed first). Conflicts within one group of files are errors.
func newProviderTable(groups [][]*provider, errs *[]error) *providerTable {
	t := &providerTable{byDomain: map[string]string{}, byLabel: map[string]string{}, bySuffix: map[string]string{},
		mtaSuffix: map[string]string{}, mtaExact: map[string]string{}, ids: map[string]bool{}}
	for _, group := range groups {
		owner := map[string]*provider{} // pattern -> block defining it, within this group
		ids := map[string]*provider{}
		for _, p := range group {
			if prev, ok := ids[p.id]; ok {
				*errs = append(*errs, config.Errorf(p.file, p.line, "duplicate provider [%s] (first at %s:%d)", p.id, prev.file, prev.line))
				continue
			}
			ids[p.id] = p
			t.ids[p.id] = true
			for _, d := range p.domains {
				key := "domain " + d
				if prev, ok := owner[key]; ok {
					*errs = append(*errs, config.Errorf(p.file, p.line, "domain %q is already given to [%s] at %s:%d", d, prev.id, prev.file, prev.line))
					continue
				}
				owner[key] = p
				t.addDomain(d, p.id)
			}
			for _, m := range p.mtas {
				key := "mta " + m
				if prev, ok := owner[key]; ok {
					*errs = append(*errs, config.Errorf(p.file, p.line, "mta %q is already given to [%s] at %s:%d", m, prev.id, prev.file, prev.line))
					continue
				}
				owner[key] = p
				t.addMTA(m, p.id)
			}
		}
	}
	return t
}

func setOnce(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func (t *providerTable) addDomain(d, id string) {
	switch {
	case !strings.Contains(d, "*"):
		setOnce(t.byDomain, d, id)
	case strings.HasSuffix(d, ".*") && !strings.Contains(d[:len(d)-2], "*") && !strings.Contains(d[:len(d)-2], "."):
		setOnce(t.byLabel, d[:len(d)-2], id)
	case strings.HasPrefix(d, "*.") && !strings.Contains(d[2:], "*"):
		setOnce(t.bySuffix, d[2:], id)
	default:
		t.domainGlob = append(t.domainGlob, providerGlob{d, id})
	}
}

func (t *providerTable) addMTA(m, id string) {
	switch {
	case !strings.Contains(m, "*"):
		setOnce(t.mtaExact, m, id)
	case strings.HasPrefix(m, "*.") && !strings.Contains(m[2:], "*"):
		setOnce(t.mtaSuffix, m[2:], id)
	default:
		t.mtaGlob = append(t.mtaGlob, providerGlob{m, id})
	}
}

// domain returns the provider of a recipient domain, or "".
func (t *providerTable) domain(d string) string {
	if d == "" {
		return ""
	}
	if id, ok := t.byDomain[d]; ok {
		return id
	}
	if i := strings.IndexByte(d, '.'); i > 0 {
		if id, ok := t.byLabel[d[:i]]; ok {
			return id
		}
	}
	if id := suffixLookup(t.bySuffix, d); id != "" {
		return id
	}
	for _, g := range t.domainGlob {
		if globMatch(g.pattern, d) {
			return g.id
		}
	}
	return ""
}

// mta returns the provider of an MTA host name, or "".
func (t *providerTable) mta(h string) string {
	if h == "" {
		return ""
	}
	if id, ok := t.mtaExact[h]; ok {
		return id
	}
	if id := suffixLookup(t.mtaSuffix, h); id != "" {
		return id
	}
	for _, g := range t.mtaGlob {
		if globMatch(g.pattern, h) {
			return g.id
		}
	}
	return ""
}

// suffixLookup finds the longest proper suffix of name (after a dot) in m.
func suffixLookup(m map[string]string, name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			if id, ok := m[name[i+1:]]; ok {
				return id
			}
		}
	}
	return ""
}

// Provider returns the mailbox provider of a recipient: from the recipient's domain first,
// else from the remote MTA host name (which finds, for example, Google Workspace and Microsoft
// 365 customers on their own domains). It returns "other" when neither is known.
func (c *Classifier) Provider(recipient, remoteMTA string) string {
	id, _ := c.provider(recipient, remoteMTA, "")
	return id
}

// provider also tries the reporting MTA and says how the provider was found.
func (c *Classifier) provider(recipient, remoteMTA, reportingMTA string) (id, why string) {
	d := domainOf(recipient)
	if id := c.providers.domain(d); id != "" {
		return id, "recipient domain " + d
	}
	if h := hostName(remoteMTA); h != "" {
		if id := c.providers.mta(h); id != "" {
			return id, "remote MTA " + h
		}
	}
	if h := hostName(reportingMTA); h != "" {
		if id := c.providers.mta(h); id != "" {
			return id, "reporting MTA " + h
		}
	}
	return otherProvider, ""
}

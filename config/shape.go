package config

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// shapeChecker walks a YAML node tree alongside the Go type it decodes into
// and reports, with the key path and line, every key the type does not know
// and every value of the wrong shape. yaml.v3's strict mode rejects the same
// documents, but names only a line and a Go type, and its strictness does not
// reach into custom unmarshalers.
//
// It works from the types by reflection, so sections added later are
// checked without changes here.
type shapeChecker struct {
	errs    []error
	present map[string]bool // key paths that appear in the document
}

var (
	unmarshalerType = reflect.TypeFor[yaml.Unmarshaler]()
	mergeTag        = "!!merge"
)

func (sc *shapeChecker) fail(path string, n *yaml.Node, format string, args ...any) {
	if path == "" {
		path = "config"
	}
	sc.errs = append(sc.errs, fmt.Errorf("%s: %s (line %d)", path, fmt.Sprintf(format, args...), n.Line))
}

func (sc *shapeChecker) check(n *yaml.Node, t reflect.Type, path string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the default in place
	}
	if reflect.PointerTo(t).Implements(unmarshalerType) || t.Implements(unmarshalerType) {
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			sc.fail(path, n, "%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		sc.check(n, t.Elem(), path)
	case reflect.Interface:
		// Anything decodes into an interface.
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			sc.fail(path, n, "want a mapping, got %s", describeNode(n))
			return
		}
		fields, anyKey := yamlFields(t)
		for _, kv := range sc.pairs(n, path) {
			key := kv[0].Value
			p := joinPath(path, key)
			ft, ok := fields[key]
			if !ok {
				if !anyKey {
					sc.unknownKey(p, kv[0], fields)
				}
				continue
			}
			sc.present[p] = true
			sc.check(kv[1], ft, p)
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			sc.fail(path, n, "want a mapping, got %s", describeNode(n))
			return
		}
		for _, kv := range sc.pairs(n, path) {
			p := joinPath(path, kv[0].Value)
			sc.check(kv[0], t.Key(), p)
			sc.present[p] = true
			sc.check(kv[1], t.Elem(), p)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			sc.fail(path, n, "want a list, got %s", describeNode(n))
			return
		}
		for i, el := range n.Content {
			sc.check(el, t.Elem(), path+"["+strconv.Itoa(i)+"]")
		}
	default:
		if n.Kind != yaml.ScalarNode {
			sc.fail(path, n, "want %s, got %s", describeType(t), describeNode(n))
			return
		}
		if err := n.Decode(reflect.New(t).Interface()); err != nil {
			sc.fail(path, n, "want %s, got %q", describeType(t), n.Value)
			return
		}
		sc.number(n, t, path)
	}
}

// number rejects what yaml.v3 decodes into a number without complaint but
// the config cannot mean: a fraction where a count belongs (it truncates
// 28.5 to 28) and .nan or .inf anywhere (they would silently zero or max out
// a factor for everyone).
func (sc *shapeChecker) number(n *yaml.Node, t reflect.Type, path string) {
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n.ShortTag() == "!!float" {
			sc.fail(path, n, "want %s, got %q", describeType(t), n.Value)
			nullify(n)
		}
	case reflect.Float32, reflect.Float64:
		var f float64
		if err := n.Decode(&f); err == nil && (math.IsNaN(f) || math.IsInf(f, 0)) {
			sc.fail(path, n, "want a finite number, got %q", n.Value)
			nullify(n)
		}
	}
}

// nullify turns a rejected value into an empty one, so that decoding the
// rest of the document for its own checks leaves the default in its place
// instead of reporting the same value twice.
func nullify(n *yaml.Node) {
	*n = yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Line: n.Line, Column: n.Column}
}

// pairs returns the key/value pairs of a mapping, with YAML merge keys
// ("<<: *base") expanded: explicit keys win over merged ones. It reports
// keys that repeat.
func (sc *shapeChecker) pairs(n *yaml.Node, path string) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	seen := map[string]*yaml.Node{}
	var merged [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Tag == mergeTag {
			for v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			sources := []*yaml.Node{v}
			if v.Kind == yaml.SequenceNode {
				sources = v.Content
			}
			for _, s := range sources {
				for s.Kind == yaml.AliasNode {
					s = s.Alias
				}
				if s.Kind != yaml.MappingNode {
					sc.fail(path, k, "want a mapping to merge, got %s", describeNode(s))
					continue
				}
				merged = append(merged, sc.pairs(s, path)...)
			}
			continue
		}
		if k.Kind != yaml.ScalarNode {
			sc.fail(path, k, "want a key, got %s", describeNode(k))
			continue
		}
		if first, ok := seen[k.Value]; ok {
			sc.fail(joinPath(path, k.Value), k, "key repeated, first at line %d", first.Line)
			continue
		}
		seen[k.Value] = k
		out = append(out, [2]*yaml.Node{k, v})
	}
	for _, kv := range merged {
		if _, ok := seen[kv[0].Value]; !ok {
			seen[kv[0].Value] = kv[0]
			out = append(out, kv)
		}
	}
	return out
}

func (sc *shapeChecker) unknownKey(path string, key *yaml.Node, fields map[string]reflect.Type) {
	best, bestDist := "", 3
	for name := range fields {
		if d := editDistance(key.Value, name); d < bestDist || (d == bestDist && name < best) {
			best, bestDist = name, d
		}
	}
	if best != "" {
		sc.fail(path, key, "unknown key; did you mean %q?", best)
		return
	}
	sc.fail(path, key, "unknown key")
}

// yamlFields maps the YAML keys of struct type t to their field types, the
// way yaml.v3 names them. anyKey is true when an inline map takes every
// other key.
func yamlFields(t reflect.Type) (fields map[string]reflect.Type, anyKey bool) {
	fields = map[string]reflect.Type{}
	for f := range t.Fields() {
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Map {
				anyKey = true
				continue
			}
			inner, innerAny := yamlFields(ft)
			for k, v := range inner {
				fields[k] = v
			}
			anyKey = anyKey || innerAny
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields, anyKey
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func describeNode(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return describeNode(n.Alias)
	default:
		return strconv.Quote(n.Value)
	}
}

func describeType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	default:
		return "a " + t.String()
	}
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

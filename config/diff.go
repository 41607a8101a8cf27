package config

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// RecordedDiff compares two recorded configs (YAML as Recorded writes it) key by key
// and returns one line per differing key, "definitions.lapse_days: published 180, now
// 200", in key order; none when they record the same config. published may be the
// config of a manifest written before the recorded config was reduced (SPEC v2 §6):
// its keys that are not recorded (input, output, as_of, schedule) are not compared.
func RecordedDiff(published, now []byte) ([]string, error) {
	a, err := recordedKeys(published)
	if err != nil {
		return nil, fmt.Errorf("published config: %w", err)
	}
	b, err := recordedKeys(now)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var out []string
	for _, k := range slices.Sorted(maps.Keys(a)) {
		switch v, ok := b[k]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: published %s, now not set", k, a[k]))
		case v != a[k]:
			out = append(out, fmt.Sprintf("%s: published %s, now %s", k, a[k], v))
		}
	}
	for _, k := range slices.Sorted(maps.Keys(b)) {
		if _, ok := a[k]; !ok {
			out = append(out, fmt.Sprintf("%s: published not set, now %s", k, b[k]))
		}
	}
	return out, nil
}

// recordedKeys flattens a recorded config into dotted keys and scalar values. A config
// that parses is reduced to its recorded part first (defaults included), so that an
// older, fuller recorded config compares by the keys recorded today.
func recordedKeys(y []byte) (map[string]string, error) {
	if cfg, err := Parse(y, ""); err == nil {
		if y, _, err = cfg.Recorded(); err != nil {
			return nil, err
		}
	}
	var doc map[string]any
	if err := yaml.Unmarshal(y, &doc); err != nil {
		return nil, err
	}
	for _, k := range []string{"input", "output", "as_of", "schedule"} {
		delete(doc, k)
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, e := range v {
				walk(joinKey(prefix, k), e)
			}
		case []any:
			b, _ := yaml.Marshal(v)
			out[prefix] = strings.TrimSpace(string(b))
		case nil:
			out[prefix] = "null"
		case string:
			out[prefix] = strconv.Quote(v)
		default:
			out[prefix] = fmt.Sprint(v)
		}
	}
	walk("", doc)
	return out, nil
}

func joinKey(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

package verify

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// jsonLeaf is one value of a JSON document: its path (kpis.recovery_rate.value,
// reasons[0].at_risk) and its literal text as the document writes it.
type jsonLeaf struct {
	path  string
	value string
}

// flattenJSON lists the scalar values (and empty objects and arrays) of a JSON
// document in document order, numbers as written, so a report shows exactly what the
// files say.
func flattenJSON(b []byte) ([]jsonLeaf, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out []jsonLeaf
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case json.Delim:
			n := 0
			for ; dec.More(); n++ {
				child := fmt.Sprintf("%s[%d]", path, n)
				if t == '{' {
					k, err := dec.Token()
					if err != nil {
						return err
					}
					child = k.(string)
					if path != "" {
						child = path + "." + child
					}
				}
				if err := walk(child); err != nil {
					return err
				}
			}
			if _, err := dec.Token(); err != nil { // the closing delimiter
				return err
			}
			if n == 0 {
				out = append(out, jsonLeaf{path, map[json.Delim]string{'{': "{}", '[': "[]"}[t]})
			}
		case string:
			out = append(out, jsonLeaf{path, strconv.Quote(t)})
		case json.Number:
			out = append(out, jsonLeaf{path, t.String()})
		case bool:
			out = append(out, jsonLeaf{path, strconv.FormatBool(t)})
		case nil:
			out = append(out, jsonLeaf{path, "null"})
		}
		return nil
	}
	if err := walk(""); err != nil {
		return nil, fmt.Errorf("read JSON: %w", err)
	}
	return out, nil
}

package contract

import (
	"encoding/json"
	"net/url"
	"os"
	"sort"
	"strings"
)

func readChannels(file string) ([]channel, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	chans, _ := doc["channels"].(map[string]any)
	var out []channel
	for _, value := range chans {
		ch, _ := value.(map[string]any)
		address, _ := ch["address"].(string)
		names := map[string]bool{}
		messages, _ := ch["messages"].(map[string]any)
		for name := range messages {
			names[name] = true
		}
		collectNames(doc, messages, names, map[string]bool{})
		out = append(out, channel{address: address, names: names})
	}
	return out, nil
}

// collectNames gathers the last segment of every $ref reachable from node (the names of messages
// and schemas, such as CreateCartV1Envelope), following references inside the document once each.
func collectNames(doc map[string]any, node any, names, seen map[string]bool) {
	switch value := node.(type) {
	case map[string]any:
		for key, child := range value {
			if ref, ok := child.(string); ok && key == "$ref" {
				followRef(doc, ref, names, seen)
				continue
			}
			collectNames(doc, child, names, seen)
		}
	case []any:
		for _, child := range value {
			collectNames(doc, child, names, seen)
		}
	}
}

func followRef(doc map[string]any, ref string, names, seen map[string]bool) {
	if seen[ref] || !strings.HasPrefix(ref, "#/") {
		return
	}
	seen[ref] = true
	var node any = doc
	for _, segment := range strings.Split(ref[2:], "/") {
		unescaped, err := url.PathUnescape(segment)
		if err != nil {
			return
		}
		unescaped = strings.NewReplacer("~1", "/", "~0", "~").Replace(unescaped)
		object, ok := node.(map[string]any)
		if !ok {
			return
		}
		node = object[unescaped]
	}
	names[ref[strings.LastIndex(ref, "/")+1:]] = true
	collectNames(doc, node, names, seen)
}

func keys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for key := range set {
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

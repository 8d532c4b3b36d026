package main

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFilterReadsWhatClientsSend(t *testing.T) {
	cases := []struct {
		name, line string
		want       Filter
	}{
		{"testcontainers-node: raw key=value, CRLF", "label=org.testcontainers.session-id=0f1e\r\n",
			Filter{"label": {"org.testcontainers.session-id=0f1e"}}},
		{"compose project", "label=com.docker.compose.project=shop", Filter{"label": {"com.docker.compose.project=shop"}}},
		{"URL-encoded, several terms", "label=org.testcontainers%3Dtrue&label=org.testcontainers.sessionId%3Dab",
			Filter{"label": {"org.testcontainers.sessionId=ab", "org.testcontainers=true"}}},
		{"label presence only", "label=io.meshwright.run", Filter{"label": {"io.meshwright.run"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ParseFilter(c.line)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

// A filter that matches everything would remove every container on the engine.
func TestParseFilterRefusesWhatWouldMatchEverything(t *testing.T) {
	for line, why := range map[string]string{
		"":               "empty filter",
		"  \r\n":         "empty filter",
		"&":              "no terms",
		"label=":         "empty value",
		"label=%20":      "empty value",
		"=x":             "without a name",
		"label=a;b":      "not a query string",
		"label=%zz":      "not a query string",
		"label=a&label=": "empty value",
	} {
		if _, err := ParseFilter(line); err == nil || !strings.Contains(err.Error(), why) {
			t.Errorf("ParseFilter(%q) = %v, want an error saying %q", line, err, why)
		}
	}
}

func TestFiltersKeepsOneCopyOfTheSameFilter(t *testing.T) {
	var s Filters
	a, _ := ParseFilter("label=b%3D2&label=a%3D1")
	b, _ := ParseFilter("label=a%3D1&label=b%3D2")
	if !s.Add(a) || s.Add(b) {
		t.Fatal("the same terms in another order must count as one filter")
	}
	if got := string(a.dockerJSON()); got != `{"label":{"a=1":true,"b=2":true}}` {
		t.Fatalf("Engine API filters = %s", got)
	}
	if n := len(s.All()); n != 1 {
		t.Fatalf("%d filters kept", n)
	}
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Resource is one container, network, volume or image as the Engine API lists it.
type Resource struct {
	Kind    string // "container", "network", "volume" or "image"
	ID      string // what the remove call takes (the volume name for volumes)
	Name    string // for the log: container or network name, image tag
	Detail  string // for the log: a container's image
	Labels  map[string]string
	Created time.Time
	// SharesNamespaceOf is set for a container started with
	// network_mode container:<other>; it must go before <other>.
	SharesNamespaceOf string
}

// Engine is the part of the Docker Engine API the reaper uses.
type Engine interface {
	Ping(ctx context.Context) error
	List(ctx context.Context, kind string, f Filter) ([]Resource, error)
	Remove(ctx context.Context, r Resource) error
}

// Kinds in the order a sweep removes them: containers hold networks, volumes
// and images in use, so they go first.
var Kinds = []string{"container", "network", "volume", "image"}

// APIError is a non-2xx answer from the engine.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return fmt.Sprintf("engine answered %d: %s", e.Status, e.Message) }

// IsNotFound reports whether err says the resource does not exist (any more).
func IsNotFound(err error) bool {
	var api *APIError
	return errors.As(err, &api) && api.Status == http.StatusNotFound
}

// IsRefused reports whether the engine rejected the request itself (400), such
// as a filter key this kind of resource does not support.
func IsRefused(err error) bool {
	var api *APIError
	return errors.As(err, &api) && api.Status == http.StatusBadRequest
}

// httpEngine speaks the Engine API over the unix socket (or TCP) with net/http.
type httpEngine struct {
	client  *http.Client
	baseURL string // http://docker/v1.41
}

// NewEngine connects to dockerHost: unix:///var/run/docker.sock or tcp://host:port.
func NewEngine(dockerHost, apiVersion string) (Engine, error) {
	u, err := url.Parse(dockerHost)
	if err != nil {
		return nil, fmt.Errorf("DOCKER_HOST %q: %v", dockerHost, err)
	}
	transport := &http.Transport{MaxIdleConns: 4, IdleConnTimeout: 30 * time.Second}
	base := ""
	switch u.Scheme {
	case "unix":
		path := u.Path
		transport.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		}
		base = "http://docker"
	case "tcp", "http":
		base = "http://" + u.Host
	default:
		return nil, fmt.Errorf("DOCKER_HOST %q: only unix:// and tcp:// (without TLS) are supported", dockerHost)
	}
	return &httpEngine{client: &http.Client{Transport: transport}, baseURL: base + "/v" + strings.TrimPrefix(apiVersion, "v")}, nil
}

func (e *httpEngine) Ping(ctx context.Context) error {
	return e.call(ctx, http.MethodGet, "/_ping", nil, nil)
}

func (e *httpEngine) List(ctx context.Context, kind string, f Filter) ([]Resource, error) {
	q := url.Values{"filters": {string(f.dockerJSON())}}
	switch kind {
	case "container":
		q.Set("all", "1")
		var list []struct {
			ID         string `json:"Id"`
			Names      []string
			Image      string
			Labels     map[string]string
			Created    int64
			HostConfig struct{ NetworkMode string }
		}
		if err := e.call(ctx, http.MethodGet, "/containers/json", q, &list); err != nil {
			return nil, err
		}
		out := make([]Resource, 0, len(list))
		for _, c := range list {
			r := Resource{Kind: kind, ID: c.ID, Detail: c.Image, Labels: c.Labels, Created: time.Unix(c.Created, 0)}
			if len(c.Names) > 0 {
				r.Name = strings.TrimPrefix(c.Names[0], "/")
			}
			if other, ok := strings.CutPrefix(c.HostConfig.NetworkMode, "container:"); ok {
				r.SharesNamespaceOf = other
			}
			out = append(out, r)
		}
		return out, nil
	case "network":
		var list []struct {
			ID      string `json:"Id"`
			Name    string
			Labels  map[string]string
			Created time.Time
		}
		if err := e.call(ctx, http.MethodGet, "/networks", q, &list); err != nil {
			return nil, err
		}
		out := make([]Resource, 0, len(list))
		for _, n := range list {
			out = append(out, Resource{Kind: kind, ID: n.ID, Name: n.Name, Labels: n.Labels, Created: n.Created})
		}
		return out, nil
	case "volume":
		var list struct {
			Volumes []struct {
				Name      string
				Labels    map[string]string
				CreatedAt string
			}
		}
		if err := e.call(ctx, http.MethodGet, "/volumes", q, &list); err != nil {
			return nil, err
		}
		out := make([]Resource, 0, len(list.Volumes))
		for _, v := range list.Volumes {
			// An unreadable time stays zero: "old", so it never postpones a sweep.
			created, _ := time.Parse(time.RFC3339, v.CreatedAt)
			out = append(out, Resource{Kind: kind, ID: v.Name, Name: v.Name, Labels: v.Labels, Created: created})
		}
		return out, nil
	case "image":
		var list []struct {
			ID       string `json:"Id"`
			RepoTags []string
			Labels   map[string]string
			Created  int64
		}
		if err := e.call(ctx, http.MethodGet, "/images/json", q, &list); err != nil {
			return nil, err
		}
		out := make([]Resource, 0, len(list))
		for _, i := range list {
			r := Resource{Kind: kind, ID: i.ID, Labels: i.Labels, Created: time.Unix(i.Created, 0)}
			if len(i.RepoTags) > 0 {
				r.Name = strings.Join(i.RepoTags, ",")
			}
			out = append(out, r)
		}
		return out, nil
	}
	return nil, fmt.Errorf("unknown resource kind %q", kind)
}

func (e *httpEngine) Remove(ctx context.Context, r Resource) error {
	id := url.PathEscape(r.ID)
	switch r.Kind {
	case "container":
		// force: stop it if running; v: remove its anonymous volumes too.
		return e.call(ctx, http.MethodDelete, "/containers/"+id, url.Values{"force": {"1"}, "v": {"1"}}, nil)
	case "network":
		return e.call(ctx, http.MethodDelete, "/networks/"+id, nil, nil)
	case "volume":
		return e.call(ctx, http.MethodDelete, "/volumes/"+id, url.Values{"force": {"1"}}, nil)
	case "image":
		// Not forced: an image some other container still uses is left alone.
		return e.call(ctx, http.MethodDelete, "/images/"+id, nil, nil)
	}
	return fmt.Errorf("unknown resource kind %q", r.Kind)
}

func (e *httpEngine) call(ctx context.Context, method, path string, q url.Values, out any) error {
	target := e.baseURL + path
	if len(q) > 0 {
		target += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, target, nil)
	if err != nil {
		return err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %v", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		var msg struct{ Message string }
		if json.Unmarshal(body, &msg) != nil || msg.Message == "" {
			msg.Message = strings.TrimSpace(string(body))
		}
		return &APIError{Status: resp.StatusCode, Message: msg.Message}
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("%s %s: unexpected answer: %v", method, path, err)
	}
	return nil
}

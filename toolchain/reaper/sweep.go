package main

import (
	"context"
	"fmt"
	"sort"
	"time"
)

// ReaperLabel is on every reaper container (it comes from the reaper image).
// Clients put their session label on the reaper container too, so without
// this exception a sweep would remove the reaper itself, or another process's.
const ReaperLabel = "org.testcontainers.ryuk"

// Sweeper finds and removes what the registered filters match.
type Sweeper struct {
	Engine Engine
	Config Config
	Log    *Logger
	// Pause between removal rounds (a network is freed once its containers are gone).
	Pause time.Duration
}

// Matches is everything one sweep will remove, by kind.
type Matches map[string][]Resource

// RecentError says a matching resource was created after the sweep's cut-off:
// some client is creating things this very moment, so removing now could pull
// them from under it.
type RecentError struct{ Resource Resource }

func (e *RecentError) Error() string {
	return fmt.Sprintf("%s was created at %s, after the sweep began", describe(e.Resource), e.Resource.Created.UTC().Format(time.RFC3339))
}

// Find lists every resource matching any filter, once each. It returns a
// *RecentError when one was created after `since`.
func (s *Sweeper) Find(filters []Filter, since time.Time) (Matches, error) {
	found := Matches{}
	seen := map[string]bool{}
	for _, f := range filters {
		for _, kind := range Kinds {
			list, err := s.list(kind, f)
			if IsRefused(err) {
				// e.g. `name=` is a filter for containers but not for images: one
				// odd filter must not stop the rest of the sweep.
				s.Log.Printf("skipping %ss for filter %s: %v", kind, f, err)
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("listing %ss matching %s: %w", kind, f, err)
			}
			for _, r := range list {
				if kind == "container" && r.Labels[ReaperLabel] == "true" {
					s.Log.Debugf("skipping %s: it is a reaper", describe(r))
					continue
				}
				if seen[kind+"/"+r.ID] {
					continue
				}
				if r.Created.After(since) {
					return nil, &RecentError{Resource: r}
				}
				seen[kind+"/"+r.ID] = true
				found[kind] = append(found[kind], r)
			}
		}
	}
	// A container in another's network namespace goes first: the engine
	// refuses to remove a namespace owner while it is in use.
	sort.SliceStable(found["container"], func(i, j int) bool {
		return found["container"][i].SharesNamespaceOf != "" && found["container"][j].SharesNamespaceOf == ""
	})
	return found, nil
}

func (s *Sweeper) list(kind string, f Filter) ([]Resource, error) {
	var err error
	for attempt := 1; attempt <= s.Config.RemoveRetries; attempt++ {
		ctx, cancel := context.WithTimeout(context.Background(), s.Config.RequestTimeout)
		var list []Resource
		list, err = s.Engine.List(ctx, kind, f)
		cancel()
		if err == nil {
			s.Log.Debugf("%d %s(s) match %s", len(list), kind, f)
			return list, nil
		}
		if IsRefused(err) {
			return nil, err // asking again will not change the answer
		}
		s.Log.Printf("listing %ss failed (attempt %d of %d): %v", kind, attempt, s.Config.RemoveRetries, err)
		time.Sleep(s.Pause)
	}
	return nil, err
}

// Summary counts what a sweep removed and what it had to leave.
type Summary struct {
	Removed map[string]int
	Left    []string
}

func (s Summary) String() string {
	text := fmt.Sprintf("%d containers, %d networks, %d volumes, %d images",
		s.Removed["container"], s.Removed["network"], s.Removed["volume"], s.Removed["image"])
	if len(s.Left) > 0 {
		text += fmt.Sprintf("; could not remove %d: %v", len(s.Left), s.Left)
	}
	return text
}

// Remove deletes what Find returned, kind by kind, retrying what the engine
// refuses for now (in use) up to RemoveRetries rounds. Gone already counts as done.
func (s *Sweeper) Remove(m Matches) Summary {
	sum := Summary{Removed: map[string]int{}}
	for _, kind := range Kinds {
		todo := m[kind]
		for attempt := 1; len(todo) > 0; attempt++ {
			var again []Resource
			for _, r := range todo {
				ctx, cancel := context.WithTimeout(context.Background(), s.Config.RequestTimeout)
				err := s.Engine.Remove(ctx, r)
				cancel()
				switch {
				case err == nil:
					s.Log.Printf("removed %s", describe(r))
					sum.Removed[kind]++
				case IsNotFound(err):
					s.Log.Printf("already gone: %s", describe(r))
				case attempt < s.Config.RemoveRetries:
					s.Log.Printf("cannot remove %s yet (attempt %d of %d): %v", describe(r), attempt, s.Config.RemoveRetries, err)
					again = append(again, r)
				default:
					s.Log.Printf("giving up on %s after %d attempts: %v", describe(r), attempt, err)
					sum.Left = append(sum.Left, describe(r))
				}
			}
			if len(again) > 0 {
				time.Sleep(s.Pause)
			}
			todo = again
		}
	}
	return sum
}

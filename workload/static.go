package main

import (
	"errors"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sync"
)

// staticTypes are the Content-Types of a single-page app's files, registered
// over the machine's mime tables (which differ between hosts and images, e.g.
// application/javascript or text/javascript) so every image answers the same.
var staticTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".htm":  "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".mjs":  "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".json": "application/json",
	".map":  "application/json",
	".svg":  "image/svg+xml",
	".wasm": "application/wasm",
}

var registerStaticTypes = sync.OnceFunc(func() {
	for ext, typ := range staticTypes {
		_ = mime.AddExtensionType(ext, typ)
	}
})

// checkStaticDir resolves STATIC_DIR to an absolute path and refuses, at
// start, a folder that is missing, not a folder or not readable: otherwise
// every page would answer 404 and the cause would be found much later.
func checkStaticDir(dir string) (string, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("STATIC_DIR %q: %v", dir, err)
	}
	fi, err := os.Stat(abs)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("STATIC_DIR %q: no such folder (mount the app's files there, or unset STATIC_DIR)", dir)
	case err != nil:
		return "", fmt.Errorf("STATIC_DIR %q: %v", dir, err)
	case !fi.IsDir():
		return "", fmt.Errorf("STATIC_DIR %q is a file, not a folder", dir)
	}
	f, err := os.Open(abs)
	if err != nil {
		return "", fmt.Errorf("STATIC_DIR %q cannot be read: %v", dir, err)
	}
	f.Close()
	return abs, nil
}

// newStaticHandler serves dir with http.FileServer's semantics: index.html
// for a folder's path, Content-Type by extension, conditional and range
// requests, and a path cleaned so ".." cannot leave dir. It never lists a
// folder: one without index.html answers 404. Every answer, errors and
// redirects included, says Cache-Control: no-store (an app being tested is
// always the files on disk now) and X-Content-Type-Options: nosniff.
func newStaticHandler(dir string) http.Handler {
	registerStaticTypes()
	files := http.FileServer(noListingFS{http.Dir(dir)})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		files.ServeHTTP(&staticHeaderWriter{ResponseWriter: w}, r)
	})
}

// noListingFS hides every folder that has no index.html, so http.FileServer
// answers 404 for it instead of a listing.
type noListingFS struct{ fs http.FileSystem }

func (n noListingFS) Open(name string) (http.File, error) {
	f, err := n.fs.Open(name)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	if !fi.IsDir() {
		return f, nil
	}
	index, err := n.fs.Open(path.Join(name, "index.html"))
	if err != nil {
		f.Close()
		return nil, fs.ErrNotExist
	}
	ii, err := index.Stat()
	index.Close()
	if err != nil || ii.IsDir() {
		f.Close()
		return nil, fs.ErrNotExist
	}
	return f, nil
}

// staticHeaderWriter adds the static headers when the status is written:
// http.FileServer deletes Cache-Control on its error answers, and a 404 must
// not be cached either.
type staticHeaderWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *staticHeaderWriter) WriteHeader(code int) {
	if !w.wrote {
		w.wrote = true
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *staticHeaderWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *staticHeaderWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
